// LdapConnection::open: the steps in the order a failure is reported (config, DNS, TCP, TLS,
// bind), each with its own message, so an operator sees which one to fix.
#include <ldap.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "common/log.h"
#include "common/tls/openssl_util.h"
#include "manager/directory/ldap_connection.h"
#include "manager/directory/ldap_url.h"
#include "manager/directory/server_probe.h"

namespace corral::manager::directory {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

// A handle that is unbound (and freed) unless released to an LdapConnection.
struct HandleGuard {
  LDAP* ld = nullptr;
  ~HandleGuard() {
    if (ld != nullptr) ldap_unbind_ext_s(ld, nullptr, nullptr);
  }
};

// libldap (GnuTLS) loads a CA only from a file: the PEM goes to a private temp file that lives
// until the handle's TLS context has read it.
class CaFile {
 public:
  ~CaFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  bool write(const std::string& pem) {
    const char* tmp = std::getenv("TMPDIR");
    path_ = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/corral-ldap-ca-XXXXXX";
    int fd = ::mkstemp(path_.data());
    if (fd < 0) {
      path_.clear();
      return false;
    }
    size_t done = 0;
    while (done < pem.size()) {
      ssize_t n = ::write(fd, pem.data() + done, pem.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(fd);
    return done == pem.size();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

DirectoryStatus resolve(const LdapUrl& url) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(url.host.c_str(), std::to_string(url.port).c_str(), &hints, &found);
  if (rc != 0) {
    return {DirectoryStep::dns, 0, "dns: cannot resolve " + url.host + ": " + ::gai_strerror(rc)};
  }
  ::freeaddrinfo(found);
  return DirectoryStatus::ok_status();
}

DirectoryStatus set_options(LDAP* ld, const DirectoryConfig& config, CaFile& ca) {
  int version = LDAP_VERSION3;
  timeval network = to_timeval(config.connect_timeout);
  timeval operation = to_timeval(config.operation_timeout);
  int demand = LDAP_OPT_X_TLS_DEMAND;
  int tls_min = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2;
  if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS ||
      ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
      ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &network) != LDAP_OPT_SUCCESS ||
      ldap_set_option(ld, LDAP_OPT_TIMEOUT, &operation) != LDAP_OPT_SUCCESS ||
      ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS ||
      ldap_set_option(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls_min) != LDAP_OPT_SUCCESS) {
    return {DirectoryStep::config, 0, "config: libldap refused a connection option"};
  }
  if (!config.ca_pem.empty()) {
    if (auto certs = tls::detail::parse_certificate_bundle_pem(config.ca_pem, "ca_certificate"); !certs.ok()) {
      return {DirectoryStep::config, 0, "config: " + certs.status().message()};
    }
    if (!ca.write(config.ca_pem)) {
      return {DirectoryStep::config, 0, "config: cannot write the CA certificate to a temporary file"};
    }
    if (ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, ca.path().c_str()) != LDAP_OPT_SUCCESS) {
      return {DirectoryStep::config, 0, "config: libldap refused the CA certificate file"};
    }
  }
  int is_server = 0;
  int rc = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &is_server);
  if (rc != LDAP_OPT_SUCCESS) {
    return {DirectoryStep::config, rc,
            "config: the CA certificate could not be loaded (is it a valid PEM certificate?)"};
  }
  return DirectoryStatus::ok_status();
}

std::string where(const LdapUrl& url) { return url.host + ":" + std::to_string(url.port); }

std::string tls_hint(const LdapUrl& url) {
  return " (is the server's certificate signed by the configured CA and issued for " + url.host + "?)";
}

DirectoryStatus connect_failure(const DirectoryConfig& config, const LdapUrl& url, int rc) {
  std::string why;
  int fd = tcp_connect(url, config.connect_timeout, why);
  if (fd < 0) return {DirectoryStep::tcp, rc, "tcp: cannot connect to " + where(url) + ": " + why};
  ::close(fd);
  if (!url.ldaps)
    return {DirectoryStep::tcp, rc,
            "tcp: " + where(url) + " accepts connections but libldap failed: " + ldap_err2string(rc)};
  std::string tls_why = diagnose_tls(url, config.ca_pem, config.operation_timeout);
  return {DirectoryStep::tls, rc,
          "tls: handshake with " + where(url) + " failed: " + (tls_why.empty() ? ldap_err2string(rc) : tls_why) +
              tls_hint(url)};
}

DirectoryStatus start_tls_failure(LDAP* ld, const DirectoryConfig& config, const LdapUrl& url, int rc) {
  if (rc > 0) {
    std::string detail = diagnostic_of(ld);
    return {DirectoryStep::tls, rc,
            "tls: " + where(url) + " refused StartTLS: " + ldap_err2string(rc) +
                (detail.empty() ? "" : " (directory says: " + detail + ")")};
  }
  std::string tls_why = diagnose_tls(url, config.ca_pem, config.operation_timeout);
  return {DirectoryStep::tls, rc,
          "tls: StartTLS with " + where(url) + " failed: " + (tls_why.empty() ? ldap_err2string(rc) : tls_why) +
              tls_hint(url)};
}

}  // namespace

DirectoryResult<LdapConnection> LdapConnection::open(const DirectoryConfig& config) {
  auto url = parse_ldap_url(config.url);
  if (!url.ok()) return DirectoryStatus{DirectoryStep::config, 0, "config: " + url.status().message()};
  if (!url->ldaps && !config.start_tls) {
    return DirectoryStatus{DirectoryStep::config, 0,
                           "config: refusing plain LDAP: " + config.url +
                               " without StartTLS would send the bind password unencrypted; use ldaps:// or turn "
                               "on start_tls"};
  }
  if (config.bind_dn.empty() || config.bind_password.empty()) {
    // An empty password makes a simple bind anonymous on most servers: it would "succeed".
    return DirectoryStatus{DirectoryStep::config, 0, "config: bind_dn and bind_password must both be set"};
  }
  if (auto s = resolve(*url); !s.ok()) return s;

  HandleGuard handle;
  int rc = ldap_initialize(&handle.ld, config.url.c_str());
  if (rc != LDAP_SUCCESS)
    return DirectoryStatus{DirectoryStep::config, rc, std::string("config: ") + ldap_err2string(rc)};
  CaFile ca;
  if (auto s = set_options(handle.ld, config, ca); !s.ok()) return s;

  rc = ldap_connect(handle.ld);
  if (rc != LDAP_SUCCESS) return connect_failure(config, *url, rc);
  if (!url->ldaps) {
    rc = ldap_start_tls_s(handle.ld, nullptr, nullptr);
    if (rc != LDAP_SUCCESS) return start_tls_failure(handle.ld, config, *url, rc);
  }

  berval credentials{};
  credentials.bv_val = const_cast<char*>(config.bind_password.data());
  credentials.bv_len = config.bind_password.size();
  rc = ldap_sasl_bind_s(handle.ld, config.bind_dn.c_str(), LDAP_SASL_SIMPLE, &credentials, nullptr, nullptr, nullptr);
  if (rc != LDAP_SUCCESS) {
    std::string detail = diagnostic_of(handle.ld);
    return DirectoryStatus{DirectoryStep::bind, rc,
                           "bind: " + where(*url) + " refused " + config.bind_dn + ": " + ldap_err2string(rc) +
                               (detail.empty() ? "" : " (directory says: " + detail + ")")};
  }
  log::debug("directory.bound", {{"server", where(*url)}, {"bind_dn", config.bind_dn}});
  return LdapConnection(std::exchange(handle.ld, nullptr));
}

}  // namespace corral::manager::directory
