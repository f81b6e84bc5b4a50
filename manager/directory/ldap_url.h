// The parts of an LDAP config's URL that the connection steps need: TLS from the first byte
// (ldaps) or not, and the host and port to resolve and reach before libldap takes over.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace corral::manager::directory {

struct LdapUrl {
  bool ldaps = false;
  std::string host;  // without brackets for an IPv6 literal
  int port = 0;      // 636 for ldaps, 389 for ldap unless given
};

// Accepts ldap://host[:port][/] and ldaps://host[:port][/]; refuses other schemes, a DN or
// query part, an empty host, a port outside 1..65535.
Result<LdapUrl> parse_ldap_url(std::string_view url);

}  // namespace corral::manager::directory
