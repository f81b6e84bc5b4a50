// One-time join tokens: created by an admin or the autoscaler, consumed once by an enrolling
// agent. Enrollment reads and consumes them; a periodic sweep deletes the expired unused ones.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "manager/store/records.h"

namespace corral::store {

// Why a token could or could not be consumed: callers branch on this, never on message text.
enum class TokenConsumption { consumed, unknown_token, already_used, expired };
const char* token_consumption_name(TokenConsumption c);

class JoinTokenRepository {
 public:
  virtual ~JoinTokenRepository() = default;

  // Inserts the token with its labels, all or nothing. invalid_argument on an empty id,
  // already_exists on a duplicate one.
  virtual Status insert(const JoinTokenRecord& token) = 0;
  virtual Result<std::optional<JoinTokenRecord>> get(const std::string& id) = 0;
  // Marks the token used by `agent_id` at `now` if it exists, is unused and is not expired at
  // `now` (usable while now < expires_at); otherwise writes nothing and says why, checking in
  // that order. The check and the write are one statement, so two consumers never both win.
  // invalid_argument if now <= 0 (used_at = 0 means unused) or agent_id is empty.
  virtual Result<TokenConsumption> consume(const std::string& id, int64_t now, const std::string& agent_id) = 0;
  // Deletes unused tokens expired at `now`; used ones stay as the record of who enrolled with
  // them. Returns how many were deleted.
  virtual Result<int> delete_expired(int64_t now) = 0;
};

}  // namespace corral::store
