#include "manager/directory/ldap_filter.h"

namespace corral::manager::directory {

std::string escape_filter_value(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c == '\0') {
      const auto byte = static_cast<unsigned char>(c);
      out += '\\';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

Status check_user_filter(std::string_view filter) {
  if (filter.size() < 2 || filter.front() != '(' || filter.back() != ')') {
    return error(ErrorCode::invalid_argument,
                 "must be one LDAP filter in parentheses, e.g. (sAMAccountName={username})");
  }
  int depth = 0;
  for (size_t i = 0; i < filter.size(); ++i) {
    if (filter[i] == '(') ++depth;
    if (filter[i] == ')' && --depth < 0) break;
    // Closed before the end: two filters side by side, which a search would refuse.
    if (depth == 0 && i + 1 < filter.size()) {
      return error(ErrorCode::invalid_argument, "must be one LDAP filter, not several side by side");
    }
  }
  if (depth != 0) return error(ErrorCode::invalid_argument, "has unbalanced parentheses");
  if (filter.find(kUsernamePlaceholder) == std::string_view::npos) {
    return error(ErrorCode::invalid_argument, "must contain {username} where the signed-in name goes");
  }
  return {};
}

std::string render_user_filter(std::string_view filter, std::string_view username) {
  const std::string escaped = escape_filter_value(username);
  std::string out;
  size_t at = 0;
  for (size_t found = filter.find(kUsernamePlaceholder); found != std::string_view::npos;
       found = filter.find(kUsernamePlaceholder, at)) {
    out.append(filter.substr(at, found - at));
    out += escaped;
    at = found + kUsernamePlaceholder.size();
  }
  out.append(filter.substr(at));
  return out;
}

}  // namespace corral::manager::directory
