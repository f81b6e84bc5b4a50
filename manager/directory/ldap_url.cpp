#include "manager/directory/ldap_url.h"

#include <charconv>

namespace corral::manager::directory {

Result<LdapUrl> parse_ldap_url(std::string_view url) {
  LdapUrl out;
  std::string_view rest;
  if (url.starts_with("ldaps://")) {
    out.ldaps = true;
    out.port = 636;
    rest = url.substr(8);
  } else if (url.starts_with("ldap://")) {
    out.port = 389;
    rest = url.substr(7);
  } else {
    return error(ErrorCode::invalid_argument, "url must start with ldaps:// or ldap://");
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return error(ErrorCode::invalid_argument, "url must be scheme://host[:port] with nothing after the port");
  }
  std::string_view port_text;
  if (rest.starts_with('[')) {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return error(ErrorCode::invalid_argument, "url has an unclosed '['");
    out.host = std::string(rest.substr(1, close - 1));
    auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return error(ErrorCode::invalid_argument, "url has text after ']' that is not a port");
      port_text = after.substr(1);
    }
  } else {
    auto colon = rest.rfind(':');
    out.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (out.host.empty()) return error(ErrorCode::invalid_argument, "url has no host");
  if (!port_text.empty() || rest.ends_with(':')) {
    int port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      return error(ErrorCode::invalid_argument, "url port must be a number from 1 to 65535");
    }
    out.port = port;
  }
  return out;
}

}  // namespace corral::manager::directory
