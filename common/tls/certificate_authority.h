// Corral's private certificate authority. The manager creates it on first start (or loads it
// from its data directory), issues its own TLS server certificate from it, and signs each
// agent's CSR at enrollment into the client certificate the agent then authenticates with.
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace corral::tls {

struct IssuedCertificate {
  std::string certificate_pem;
  std::string private_key_pem;  // empty when signing a CSR
  std::string serial_hex;       // lowercase hex, as CertificateInfo::serial_hex
  int64_t not_after = 0;        // unix seconds
};

// Copyable: copies share the underlying OpenSSL objects (reference counted), which are never
// modified after create()/load(), so const methods are safe to call from several threads.
// A moved-from instance only supports assignment and destruction.
class CertificateAuthority {
 public:
  // Self-signed CA: ECDSA P-256, basicConstraints CA:TRUE (pathlen 0: Corral has no
  // intermediates) critical, keyUsage keyCertSign+cRLSign critical, subjectKeyIdentifier,
  // random 128-bit positive serial, notBefore = now - 1h (clock skew).
  static Result<CertificateAuthority> create(const std::string& common_name, int validity_days);
  // Checks the key matches the cert and the cert is a CA (basicConstraints CA:TRUE, and
  // keyCertSign if keyUsage is present). Does not reject an expired CA; issuing from one does.
  static Result<CertificateAuthority> load(const std::string& certificate_pem, const std::string& private_key_pem);

  CertificateAuthority(const CertificateAuthority& other);
  CertificateAuthority& operator=(const CertificateAuthority& other);
  CertificateAuthority(CertificateAuthority&& other) noexcept = default;
  CertificateAuthority& operator=(CertificateAuthority&& other) noexcept = default;
  ~CertificateAuthority() = default;

  // Re-encoded by OpenSSL, so text around the PEM blocks given to load() is dropped.
  const std::string& certificate_pem() const { return certificate_pem_; }
  const std::string& private_key_pem() const { return private_key_pem_; }
  // Fingerprint of the CA certificate (what the join token carries).
  std::string sha256_hex() const { return sha256_hex_; }

  // Every issued certificate starts 1h in the past (clock skew) and ends after validity_days,
  // or when the CA does if that is sooner; an expired CA issues nothing (failed_precondition).

  // Server certificate for the manager: new P-256 key, subject CN = names[0], SAN with every
  // name (an entry that parses as an IPv4/IPv6 address becomes an IP SAN, else DNS), EKU
  // serverAuth, keyUsage digitalSignature, authorityKeyIdentifier.
  Result<IssuedCertificate> issue_server_certificate(const std::vector<std::string>& names, int validity_days) const;
  // Agent client certificate from a CSR: the CSR's self-signature must verify, its key must be
  // EC P-256 named by its curve OID (anything else, explicit curve parameters included, ->
  // invalid_argument naming the problem), the subject is REPLACED by
  // CN=common_name (the manager decides the agent id, never the CSR; requested extensions are
  // ignored too), EKU clientAuth, keyUsage digitalSignature, random serial.
  Result<IssuedCertificate> sign_client_csr(const std::string& csr_pem, const std::string& common_name,
                                            int validity_days) const;

 private:
  struct X509Free {
    void operator()(X509* p) const;
  };
  struct PkeyFree {
    void operator()(EVP_PKEY* p) const;
  };

  CertificateAuthority() = default;
  // Takes ownership of both; fills in the PEM texts and fingerprint.
  static Result<CertificateAuthority> from_parts(X509* cert, EVP_PKEY* key);
  Result<int64_t> issuable_until(int validity_days, int64_t now) const;
  Result<IssuedCertificate> finish(X509* cert, std::string private_key_pem) const;

  std::unique_ptr<X509, X509Free> cert_;
  std::unique_ptr<EVP_PKEY, PkeyFree> key_;
  std::string certificate_pem_;
  std::string private_key_pem_;
  std::string sha256_hex_;
};

}  // namespace corral::tls
