// Limits on what agents (and admins, for the labels they put on join tokens) say about hosts,
// enforced where it enters the manager: at enrollment, in Hello and on join tokens. What passes
// is stored, logged, served by the API and printed by corralctl, so it must be bounded and free
// of control characters (common/text.h says which).
#pragma once

#include <map>
#include <string>

#include "common/result.h"
#include "corral/agent/v1/agent.pb.h"

namespace corral::manager {

inline constexpr size_t kMaxAgentVersionBytes = 64;
inline constexpr size_t kMaxAddresses = 32;
inline constexpr size_t kMaxAddressBytes = 64;
inline constexpr size_t kMaxLabels = 64;
inline constexpr size_t kMaxLabelKeyBytes = 63;
inline constexpr size_t kMaxLabelValueBytes = 255;
inline constexpr size_t kMaxDescriptionBytes = 1024;
// Server ids are ours (UUIDs) but an admin may bind a token to any id: keep it short and plain.
inline constexpr size_t kMaxServerIdBytes = 64;

// invalid_argument naming the first field that breaks a limit (never echoing the value).
Status check_hello(const corral::agent::v1::Hello& hello);
Status check_hostname(const std::string& hostname);
// Keys: letters, digits, '.', '_', '-' and '/', starting with a letter or digit. Values:
// printable text. `what` names them in the error ("labels", "hello.labels").
Status check_labels(const std::map<std::string, std::string>& labels, const std::string& what);

}  // namespace corral::manager
