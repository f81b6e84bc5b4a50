// Second opinions after libldap fails to connect: libldap (built on GnuTLS) reports both "TCP
// refused" and "certificate not trusted" as "Can't contact LDAP server", so LdapConnection::open
// asks these what actually went wrong. Blocking, bounded by the timeout given.
#pragma once

#include <chrono>
#include <string>

#include "manager/directory/ldap_url.h"

namespace corral::manager::directory {

// Opens a TCP connection to URL's host and port; returns -1 and sets WHY on failure
// ("Connection refused", "timed out").
int tcp_connect(const LdapUrl& url, std::chrono::milliseconds timeout, std::string& why);

// Repeats the TLS handshake (after StartTLS for an ldap:// URL) with OpenSSL, verifying the
// server against CA_PEM (or the system's CAs) and URL's host, and says why it fails
// ("certificate verify failed: unable to get local issuer certificate"); empty when it succeeds.
std::string diagnose_tls(const LdapUrl& url, const std::string& ca_pem, std::chrono::milliseconds timeout);

}  // namespace corral::manager::directory
