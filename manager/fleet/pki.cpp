#include "manager/fleet/pki.h"

#include "common/files.h"
#include "common/log.h"
#include "common/tls/certificate.h"

namespace corral::manager {
namespace {

constexpr int kCaValidityDays = 3650;
constexpr int kServerValidityDays = 825;

}  // namespace

Result<ManagerPki> load_or_create_pki(const std::string& data_dir, const std::vector<std::string>& server_names) {
  const std::string ca_cert = data_dir + "/ca.crt";
  const std::string ca_key = data_dir + "/ca.key";
  const std::string server_cert = data_dir + "/server.crt";
  const std::string server_key = data_dir + "/server.key";

  Result<tls::CertificateAuthority> ca = [&]() -> Result<tls::CertificateAuthority> {
    if (file_exists(ca_cert) || file_exists(ca_key)) {
      auto cert = read_file(ca_cert);
      if (!cert.ok()) return cert.status();
      if (Status s = check_private(ca_key, "CA private key"); !s.ok()) return s;
      auto key = read_file(ca_key);
      if (!key.ok()) return key.status();
      auto loaded = tls::CertificateAuthority::load(*cert, *key);
      if (!loaded.ok()) return error(loaded.status().code(), ca_cert + ": " + loaded.status().message());
      return loaded;
    }
    auto created = tls::CertificateAuthority::create("Corral manager CA", kCaValidityDays);
    if (!created.ok()) return created.status();
    // Key first: a crash between the two writes leaves no certificate without its key.
    if (Status s = write_file_atomic(ca_key, created->private_key_pem(), 0600); !s.ok()) return s;
    if (Status s = write_file_atomic(ca_cert, created->certificate_pem(), 0644); !s.ok()) return s;
    log::info("pki.ca_created", {{"ca_sha256", created->sha256_hex()}});
    return created;
  }();
  if (!ca.ok()) return ca.status();

  ManagerPki pki{std::move(ca).value(), {}, {}};
  if (file_exists(server_cert) && file_exists(server_key)) {
    auto cert = read_file(server_cert);
    if (!cert.ok()) return cert.status();
    if (Status s = check_private(server_key, "server private key"); !s.ok()) return s;
    auto key = read_file(server_key);
    if (!key.ok()) return key.status();
    if (Status s = tls::verify_certificate(*cert, pki.ca.certificate_pem()); !s.ok()) {
      return error(ErrorCode::failed_precondition, server_cert + " is not signed by " + ca_cert + ": " + s.message());
    }
    pki.server_certificate_pem = std::move(cert).value();
    pki.server_private_key_pem = std::move(key).value();
    return pki;
  }
  if (server_names.empty()) return error(ErrorCode::invalid_argument, "server_names must name at least one host");
  auto issued = pki.ca.issue_server_certificate(server_names, kServerValidityDays);
  if (!issued.ok()) return issued.status();
  if (Status s = write_file_atomic(server_key, issued->private_key_pem, 0600); !s.ok()) return s;
  if (Status s = write_file_atomic(server_cert, issued->certificate_pem, 0644); !s.ok()) return s;
  pki.server_certificate_pem = issued->certificate_pem;
  pki.server_private_key_pem = issued->private_key_pem;
  std::string names;
  for (const auto& n : server_names) names += (names.empty() ? "" : ",") + n;
  log::info("pki.server_certificate_created", {{"names", names}});
  return pki;
}

}  // namespace corral::manager
