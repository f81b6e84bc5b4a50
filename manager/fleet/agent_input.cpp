#include "manager/fleet/agent_input.h"

#include <algorithm>

#include "common/text.h"

namespace corral::manager {
namespace {

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool label_key_char(char c) { return alnum(c) || c == '.' || c == '_' || c == '-' || c == '/'; }

Status check_label_key(const std::string& key, const std::string& what) {
  if (key.empty() || key.size() > kMaxLabelKeyBytes) {
    return error(ErrorCode::invalid_argument,
                 what + " keys must be 1 to " + std::to_string(kMaxLabelKeyBytes) + " bytes");
  }
  if (!alnum(key[0]) || !std::all_of(key.begin(), key.end(), label_key_char)) {
    return error(ErrorCode::invalid_argument,
                 what + " keys may hold only letters, digits, '.', '_', '-' and '/', and start with a letter or digit");
  }
  return {};
}

}  // namespace

Status check_hostname(const std::string& hostname) { return check_printable(hostname, "hostname", kMaxHostnameBytes); }

Status check_labels(const std::map<std::string, std::string>& labels, const std::string& what) {
  if (labels.size() > kMaxLabels) {
    return error(ErrorCode::invalid_argument, what + " may hold at most " + std::to_string(kMaxLabels) + " labels");
  }
  for (const auto& [key, value] : labels) {
    if (Status s = check_label_key(key, what); !s.ok()) return s;
    // The key passed the check above, so naming it cannot smuggle anything into the message.
    std::string field = what;
    field.append(".").append(key);
    if (Status s = check_printable(value, field, kMaxLabelValueBytes); !s.ok()) return s;
  }
  return {};
}

Status check_hello(const corral::agent::v1::Hello& hello) {
  if (Status s = check_hostname(hello.hostname()); !s.ok()) return s;
  if (Status s = check_printable(hello.agent_version(), "agent_version", kMaxAgentVersionBytes); !s.ok()) return s;
  if (Status s = check_printable(hello.os_version(), "os_version", kMaxOsVersionBytes); !s.ok()) return s;
  if (static_cast<size_t>(hello.addresses_size()) > kMaxAddresses) {
    return error(ErrorCode::invalid_argument,
                 "addresses may hold at most " + std::to_string(kMaxAddresses) + " entries");
  }
  for (const auto& a : hello.addresses()) {
    if (Status s = check_printable(a, "addresses", kMaxAddressBytes); !s.ok()) return s;
  }
  return check_labels(std::map<std::string, std::string>(hello.labels().begin(), hello.labels().end()), "labels");
}

}  // namespace corral::manager
