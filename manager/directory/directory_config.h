// How the manager reaches one directory server (an LDAP config): where, as whom, which CA to
// trust, how long to wait. Built by the LDAP configs resource; read by LdapConnection.
#pragma once

#include <chrono>
#include <string>

namespace corral::manager::directory {

struct DirectoryConfig {
  // ldaps://host[:port] or ldap://host[:port] (then start_tls must be on: a simple bind is never
  // sent in the clear).
  std::string url;
  bool start_tls = false;
  std::string bind_dn;        // a DN or user@domain
  std::string bind_password;  // secret: never logged
  // PEM of the CA(s) that sign the server's certificate; empty: the system's trust store.
  std::string ca_pem;
  std::string base_dn;  // e.g. DC=example,DC=local; its DC= parts give the DNS domain
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds operation_timeout{10000};
};

}  // namespace corral::manager::directory
