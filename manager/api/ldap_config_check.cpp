#include "manager/api/ldap_config_check.h"

#include <google/protobuf/util/time_util.h>

#include "common/text.h"
#include "common/tls/openssl_util.h"
#include "manager/api/provider_config_check.h"
#include "manager/directory/computer_records.h"
#include "manager/directory/hostname_pattern.h"
#include "manager/directory/ldap_filter.h"
#include "manager/directory/ldap_url.h"
#include "manager/directory/user_directory.h"

namespace corral::manager::api {
namespace {

namespace apiv1 = corral::api::v1;

constexpr size_t kMaxNameBytes = 128;
constexpr size_t kMaxDnBytes = 1024;
constexpr size_t kMaxPasswordBytes = 1024;
constexpr size_t kMaxCaBytes = 64 * 1024;
constexpr uint32_t kMaxTimeoutMs = 300'000;

void text(Violations& v, const std::string& path, const std::string& value, size_t max, bool required) {
  if (value.empty()) {
    if (required) v.push_back({path, "is required"});
    return;
  }
  if (!check_printable(value, path, max).ok()) {
    v.push_back({path, "must be printable text of at most " + std::to_string(max) + " bytes"});
  }
}

void timeout(Violations& v, const std::string& path, uint32_t ms) {
  if (ms > kMaxTimeoutMs)
    v.push_back({path, "must be at most " + std::to_string(kMaxTimeoutMs) + " (0 = the default)"});
}

}  // namespace

Violations check_ldap_config(const apiv1::LdapConfig& in, const store::LdapConfigRecord* stored) {
  Violations v;
  if (!in.id().empty()) v.push_back({"/id", "is set by the manager"});
  if (in.has_created_at()) v.push_back({"/createdAt", "is set by the manager"});
  if (in.has_updated_at()) v.push_back({"/updatedAt", "is set by the manager"});
  if (stored == nullptr && in.revision() != 0) v.push_back({"/revision", "is set by the manager (1 at creation)"});
  text(v, "/name", in.name(), kMaxNameBytes, true);
  if (in.url().empty()) {
    v.push_back({"/url", "is required"});
  } else if (auto url = directory::parse_ldap_url(in.url()); !url.ok()) {
    v.push_back({"/url", url.status().message()});
  } else if (!url->ldaps && !in.start_tls()) {
    v.push_back(
        {"/startTls", "must be true for an ldap:// URL: a bind without TLS would send the password unencrypted"});
  }
  text(v, "/bindDn", in.bind_dn(), kMaxDnBytes, true);
  if (in.bind_password().empty() || in.bind_password() == kRedacted) {
    if (stored == nullptr) v.push_back({"/bindPassword", "is required (\"[redacted]\" only keeps a stored one)"});
  } else if (in.bind_password().size() > kMaxPasswordBytes) {
    v.push_back({"/bindPassword", "must be at most " + std::to_string(kMaxPasswordBytes) + " bytes"});
  }
  if (!in.ca_certificate().empty()) {
    if (in.ca_certificate().size() > kMaxCaBytes) {
      v.push_back({"/caCertificate", "must be at most " + std::to_string(kMaxCaBytes) + " bytes"});
    } else if (auto certs = tls::detail::parse_certificate_bundle_pem(in.ca_certificate(), "caCertificate");
               !certs.ok()) {
      v.push_back({"/caCertificate", "is not a PEM certificate"});
    }
  }
  text(v, "/baseDn", in.base_dn(), kMaxDnBytes, true);
  if (!in.base_dn().empty() && directory::dns_domain_of(in.base_dn()).empty()) {
    v.push_back({"/baseDn", "has no DC= parts to name the domain (e.g. DC=example,DC=local)"});
  }
  timeout(v, "/connectTimeoutMs", in.connect_timeout_ms());
  timeout(v, "/operationTimeoutMs", in.operation_timeout_ms());
  text(v, "/computerContainerDn", in.computer_container_dn(), kMaxDnBytes, false);
  if (!in.hostname_pattern().empty()) {
    if (auto p = directory::HostnamePattern::parse(in.hostname_pattern()); !p.ok()) {
      v.push_back({"/hostnamePattern", p.status().message()});
    }
  }
  text(v, "/userFilter", in.user_filter(), kMaxDnBytes, false);
  if (!in.user_filter().empty()) {
    if (Status s = directory::check_user_filter(in.user_filter()); !s.ok()) v.push_back({"/userFilter", s.message()});
  }
  return v;
}

std::string ldap_bind_password_aad(const std::string& id) { return "ldap-config/" + id + "/bind_password"; }

store::LdapConfigRecord ldap_config_record(const apiv1::LdapConfig& in, const store::LdapConfigRecord* stored,
                                           const std::string& id, const SecretBox& secrets) {
  store::LdapConfigRecord r;
  if (stored != nullptr) r = *stored;
  r.id = id;
  r.name = in.name();
  r.url = in.url();
  r.start_tls = in.start_tls();
  r.bind_dn = in.bind_dn();
  if (!in.bind_password().empty() && in.bind_password() != kRedacted) {
    r.bind_password_sealed = secrets.seal(in.bind_password(), ldap_bind_password_aad(id));
  }
  r.ca_certificate = in.ca_certificate();
  r.base_dn = in.base_dn();
  r.connect_timeout_ms = in.connect_timeout_ms() != 0 ? in.connect_timeout_ms() : kDefaultConnectTimeoutMs;
  r.operation_timeout_ms = in.operation_timeout_ms() != 0 ? in.operation_timeout_ms() : kDefaultOperationTimeoutMs;
  r.enabled = in.has_enabled() ? in.enabled() : true;
  r.computer_container_dn = in.computer_container_dn();
  r.hostname_pattern = in.hostname_pattern().empty() ? directory::kDefaultHostnamePattern : in.hostname_pattern();
  r.recursive_delete = in.recursive_delete();
  r.user_filter = in.user_filter().empty() ? directory::kDefaultUserFilter : in.user_filter();
  return r;
}

apiv1::LdapConfig ldap_config_view(const store::LdapConfigRecord& r) {
  apiv1::LdapConfig out;
  out.set_id(r.id);
  out.set_name(r.name);
  out.set_url(r.url);
  out.set_start_tls(r.start_tls);
  out.set_bind_dn(r.bind_dn);
  out.set_bind_password(kRedacted);
  out.set_ca_certificate(r.ca_certificate);
  out.set_base_dn(r.base_dn);
  out.set_connect_timeout_ms(r.connect_timeout_ms);
  out.set_operation_timeout_ms(r.operation_timeout_ms);
  out.set_enabled(r.enabled);
  out.set_computer_container_dn(r.computer_container_dn);
  out.set_hostname_pattern(r.hostname_pattern);
  out.set_recursive_delete(r.recursive_delete);
  out.set_user_filter(r.user_filter.empty() ? directory::kDefaultUserFilter : r.user_filter);
  out.set_revision(r.revision);
  *out.mutable_created_at() = google::protobuf::util::TimeUtil::SecondsToTimestamp(r.created_at);
  *out.mutable_updated_at() = google::protobuf::util::TimeUtil::SecondsToTimestamp(r.updated_at);
  return out;
}

Result<directory::DirectoryConfig> directory_config(const store::LdapConfigRecord& r, const SecretBox& secrets) {
  auto password = secrets.open(r.bind_password_sealed, ldap_bind_password_aad(r.id));
  if (!password.ok()) {
    return error(ErrorCode::internal, "the stored bind password of LDAP config " + r.id + " does not open");
  }
  directory::DirectoryConfig c;
  c.url = r.url;
  c.start_tls = r.start_tls;
  c.bind_dn = r.bind_dn;
  c.bind_password = std::move(*password);
  c.ca_pem = r.ca_certificate;
  c.base_dn = r.base_dn;
  c.connect_timeout = std::chrono::milliseconds(r.connect_timeout_ms);
  c.operation_timeout = std::chrono::milliseconds(r.operation_timeout_ms);
  return c;
}

}  // namespace corral::manager::api
