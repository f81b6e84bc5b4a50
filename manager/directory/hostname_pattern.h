// Names for autoscaled Windows servers: a pattern such as "corral-{random}" becomes a NetBIOS-
// safe host name (at most 15 characters of letters, digits and '-'), the CN and sAMAccountName
// of its computer record. ComputerRecords draws a new name when one is taken.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"
#include "manager/directory/machine_password.h"

namespace corral::manager::directory {

inline constexpr size_t kMaxNetbiosName = 15;
inline constexpr char kDefaultHostnamePattern[] = "corral-{random}";

class HostnamePattern {
 public:
  // PATTERN: letters, digits and '-', with at most one "{random}" (lower-case letters and
  // digits filling the name up to 15 characters) or "{random:N}" (exactly N of them). Refuses a
  // pattern whose names could be longer than 15, begin or end with '-', or be all digits.
  static Result<HostnamePattern> parse(std::string_view pattern);

  // A fresh name; the same one every time when the pattern has no {random}.
  std::string generate(const RandomBytes& random) const;
  bool has_random() const { return random_length_ > 0; }

 private:
  std::string prefix_;
  std::string suffix_;
  size_t random_length_ = 0;
};

// The sAMAccountName of a computer: the host name in upper case followed by '$'.
std::string computer_account_name(std::string_view hostname);

}  // namespace corral::manager::directory
