// Search filters built from what a user typed: the sign-in filter of an LDAP config with
// "{username}" filled in, every value escaped as RFC 4515 requires, so a name such as "*" or
// "a)(objectClass=*" matches itself and nothing else. Pure; used by user_directory.cpp.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace corral::manager::directory {

inline constexpr std::string_view kUsernamePlaceholder = "{username}";

// RFC 4515 3: '*', '(', ')', '\' and NUL become \2a, \28, \29, \5c and \00; every other byte is
// kept (a UTF-8 name stays readable in the directory's logs).
std::string escape_filter_value(std::string_view value);

// invalid_argument unless FILTER is one parenthesised filter with balanced parentheses that
// contains "{username}" at least once.
Status check_user_filter(std::string_view filter);

// FILTER with every "{username}" replaced by the escaped USERNAME.
std::string render_user_filter(std::string_view filter, std::string_view username);

}  // namespace corral::manager::directory
