// Making a join token: the text an agent presents ("cj1.<id>.<secret>.<ca>", common/join_token.h)
// and the record the store keeps, which holds the secret's hash only. The join-token route
// (Enrollment::create_join_token) and the autoscaler, which makes one per VM bound to its server,
// both make their tokens here.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "manager/store/join_token_repository.h"
#include "manager/store/records.h"

namespace corral::store {

struct IssuedJoinToken {
  JoinTokenRecord record;  // id, secret hash, created_at and expires_at set; the caller adds the rest
  std::string text;        // what the agent presents: a secret, never logged
};

// A fresh token usable from `now` while now < `expires_at`, carrying `ca_sha256` (the manager CA's
// hash, so the agent can check the manager on first contact; empty leaves it out). Nothing stored.
IssuedJoinToken make_join_token(int64_t now, int64_t expires_at, const std::string& ca_sha256);

// The autoscaler's token for one VM: bound to `server_id` (the agent that enrolls with it backs
// that server), usable once, until `expires_at` (the config's provision timeout after the create
// intent), inserted through `tokens`. Call it inside the unit of work that writes the server's row,
// so both or neither are stored. Returns the token text for the VM's startup script.
// invalid_argument for an empty server id (ids are the store's own) or expires_at <= now; store errors as
// the repository gives them. No message holds the token.
Result<std::string> issue_server_join_token(JoinTokenRepository& tokens, const std::string& server_id, int64_t now,
                                            int64_t expires_at, const std::string& ca_sha256);

}  // namespace corral::store
