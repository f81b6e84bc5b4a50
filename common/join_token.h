// The join token an agent enrolls with: "cj1.<id>.<secret>.<ca-sha256>". The id finds the token in
// the manager's store, the secret proves possession (only its SHA-256 is stored), and the CA hash
// lets the agent verify the manager on first contact, as kubeadm's discovery hash does. The hash
// part may be omitted when the agent is given the CA certificate by other means (--ca-cert).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace corral {

struct JoinTokenParts {
  std::string id;         // 16 characters [a-z0-9]
  std::string secret;     // 32 characters [a-z0-9]
  std::string ca_sha256;  // 64 lowercase hex digits, or empty
};

inline constexpr size_t kJoinTokenIdLength = 16;
inline constexpr size_t kJoinTokenSecretLength = 32;

std::string format_join_token(const JoinTokenParts& parts);
// Errors are invalid_argument and say which part is wrong, never echoing the secret.
Result<JoinTokenParts> parse_join_token(std::string_view text);
// A fresh id and secret (no CA hash).
JoinTokenParts generate_join_token();

}  // namespace corral
