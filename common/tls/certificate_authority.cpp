#include "common/tls/certificate_authority.h"

#include <algorithm>
#include <chrono>

#include "common/clock.h"
#include "common/tls/openssl_util.h"
#include "common/tls/x509_builder.h"

namespace corral::tls {

using detail::ErrorQueueScope;
using detail::openssl_error;

namespace {

constexpr int64_t kClockSkewSeconds = 3600;

int64_t now_unix() { return unix_seconds(std::chrono::system_clock::now()); }

// Shared by server and client certificates; only the extended key usage differs.
Status add_leaf_extensions(X509* cert, X509* ca, const char* extended_key_usage) {
  return detail::add_extensions(cert, ca,
                                {
                                    {NID_basic_constraints, "critical,CA:FALSE"},
                                    {NID_key_usage, "critical,digitalSignature"},
                                    {NID_ext_key_usage, extended_key_usage},
                                    {NID_subject_key_identifier, "hash"},
                                    // Falls back to issuer name + serial for a loaded CA without a key identifier.
                                    {NID_authority_key_identifier, "keyid,issuer"},
                                });
}

}  // namespace

void CertificateAuthority::X509Free::operator()(X509* p) const { X509_free(p); }
void CertificateAuthority::PkeyFree::operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }

CertificateAuthority::CertificateAuthority(const CertificateAuthority& other)
    : certificate_pem_(other.certificate_pem_),
      private_key_pem_(other.private_key_pem_),
      sha256_hex_(other.sha256_hex_) {
  // Only fails if OpenSSL cannot take a lock; the copy then reports itself unusable.
  if (other.cert_ && X509_up_ref(other.cert_.get()) == 1) cert_.reset(other.cert_.get());
  if (other.key_ && EVP_PKEY_up_ref(other.key_.get()) == 1) key_.reset(other.key_.get());
}

CertificateAuthority& CertificateAuthority::operator=(const CertificateAuthority& other) {
  if (this != &other) *this = CertificateAuthority(other);
  return *this;
}

Result<CertificateAuthority> CertificateAuthority::from_parts(X509* cert, EVP_PKEY* key) {
  CertificateAuthority ca;
  ca.cert_.reset(cert);
  ca.key_.reset(key);
  auto cert_pem = detail::certificate_to_pem(cert);
  if (!cert_pem) return cert_pem.status();
  auto key_pem = detail::private_key_to_pem(key);
  if (!key_pem) return key_pem.status();
  auto fingerprint = detail::certificate_fingerprint(cert);
  if (!fingerprint) return fingerprint.status();
  ca.certificate_pem_ = std::move(*cert_pem);
  ca.private_key_pem_ = std::move(*key_pem);
  ca.sha256_hex_ = std::move(*fingerprint);
  return ca;
}

Result<CertificateAuthority> CertificateAuthority::create(const std::string& common_name, int validity_days) {
  ErrorQueueScope scope;
  Status days = detail::check_validity_days(validity_days);
  if (!days.ok()) return days;
  auto key = detail::generate_ec_p256_key();
  if (!key) return key.status();
  int64_t now = now_unix();
  auto cert =
      detail::new_certificate(common_name, key->get(), now - kClockSkewSeconds, now + int64_t{validity_days} * 86400);
  if (!cert) return cert.status();
  X509* x = cert->get();
  // Self-signed, so the certificate is its own issuer for the extension context.
  Status extensions = detail::add_extensions(x, x,
                                             {
                                                 {NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                                                 {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                                 {NID_subject_key_identifier, "hash"},
                                             });
  if (!extensions.ok()) return extensions;
  Status signed_ok = detail::sign_certificate(x, nullptr, key->get());
  if (!signed_ok.ok()) return signed_ok;
  return from_parts(cert->release(), key->release());
}

Result<CertificateAuthority> CertificateAuthority::load(const std::string& certificate_pem,
                                                        const std::string& private_key_pem) {
  ErrorQueueScope scope;
  auto cert = detail::parse_certificate_pem(certificate_pem, "CA certificate");
  if (!cert) return cert.status();
  auto key = detail::parse_private_key_pem(private_key_pem, "CA private key");
  if (!key) return key.status();
  const EVP_PKEY* cert_key = X509_get0_pubkey(cert->get());
  if (cert_key == nullptr || EVP_PKEY_eq(cert_key, key->get()) != 1) {
    return error(ErrorCode::invalid_argument, "CA private key does not match the CA certificate");
  }
  // 1 is the strict answer: basicConstraints CA:TRUE (and keyCertSign if keyUsage is present);
  // other non-zero values accept legacy v1 roots and Netscape cert types.
  if (X509_check_ca(cert->get()) != 1) {
    return error(ErrorCode::invalid_argument,
                 "CA certificate is not a CA (needs basicConstraints CA:TRUE and keyUsage keyCertSign)");
  }
  return from_parts(cert->release(), key->release());
}

Result<int64_t> CertificateAuthority::issuable_until(int validity_days, int64_t now) const {
  if (!cert_ || !key_) return error(ErrorCode::failed_precondition, "certificate authority is empty (moved from)");
  Status days = detail::check_validity_days(validity_days);
  if (!days.ok()) return days;
  int64_t ca_not_after = detail::asn1_time_to_unix(X509_get0_notAfter(cert_.get()));
  if (ca_not_after <= now) {
    return error(ErrorCode::failed_precondition, "CA certificate has expired; rotate the CA before issuing");
  }
  // A certificate outliving its CA would fail verification from that point anyway.
  return std::min(now + int64_t{validity_days} * 86400, ca_not_after);
}

Result<IssuedCertificate> CertificateAuthority::finish(X509* cert, std::string private_key_pem) const {
  Status signed_ok = detail::sign_certificate(cert, cert_.get(), key_.get());
  if (!signed_ok.ok()) return signed_ok;
  auto pem = detail::certificate_to_pem(cert);
  if (!pem) return pem.status();
  IssuedCertificate issued;
  issued.certificate_pem = std::move(*pem);
  issued.private_key_pem = std::move(private_key_pem);
  issued.serial_hex = detail::serial_hex(cert);
  issued.not_after = detail::asn1_time_to_unix(X509_get0_notAfter(cert));
  return issued;
}

Result<IssuedCertificate> CertificateAuthority::issue_server_certificate(const std::vector<std::string>& names,
                                                                         int validity_days) const {
  ErrorQueueScope scope;
  if (names.empty()) return error(ErrorCode::invalid_argument, "server certificate needs at least one name");
  int64_t now = now_unix();
  auto not_after = issuable_until(validity_days, now);
  if (!not_after) return not_after.status();

  auto key = detail::generate_ec_p256_key();
  if (!key) return key.status();
  auto cert = detail::new_certificate(names[0], key->get(), now - kClockSkewSeconds, *not_after);
  if (!cert) return cert.status();
  Status sans = detail::add_subject_alt_names(cert->get(), names);
  if (!sans.ok()) return sans;
  Status extensions = add_leaf_extensions(cert->get(), cert_.get(), "serverAuth");
  if (!extensions.ok()) return extensions;
  auto key_pem = detail::private_key_to_pem(key->get());
  if (!key_pem) return key_pem.status();
  return finish(cert->get(), std::move(*key_pem));
}

Result<IssuedCertificate> CertificateAuthority::sign_client_csr(const std::string& csr_pem,
                                                                const std::string& common_name,
                                                                int validity_days) const {
  ErrorQueueScope scope;
  auto req = detail::parse_csr_pem(csr_pem, "CSR");
  if (!req) return req.status();
  EVP_PKEY* csr_key = X509_REQ_get0_pubkey(req->get());
  if (csr_key == nullptr) return openssl_error(ErrorCode::invalid_argument, "CSR public key cannot be read");
  // Proves the requester holds the private key; without it anyone could get a certificate for
  // a public key they copied.
  if (X509_REQ_verify(req->get(), csr_key) != 1) {
    return openssl_error(ErrorCode::invalid_argument, "CSR signature does not verify");
  }
  // Checked before anything is issued: enrollment consumes the join token only after this.
  std::string mismatch = detail::describe_if_not_named_p256(csr_key);
  if (!mismatch.empty()) {
    return error(ErrorCode::invalid_argument,
                 "CSR key is " + mismatch + ", expected EC P-256 on the named curve prime256v1");
  }

  int64_t now = now_unix();
  auto not_after = issuable_until(validity_days, now);
  if (!not_after) return not_after.status();
  // The CSR's subject and requested extensions are deliberately not copied.
  auto cert = detail::new_certificate(common_name, csr_key, now - kClockSkewSeconds, *not_after);
  if (!cert) return cert.status();
  Status extensions = add_leaf_extensions(cert->get(), cert_.get(), "clientAuth");
  if (!extensions.ok()) return extensions;
  return finish(cert->get(), "");
}

}  // namespace corral::tls
