// Reading and checking X.509 certificates held as PEM text. The manager uses it to report on
// its CA and server certificate, the agent to pin the CA fingerprint from its join token and to
// check the certificates the manager hands it, corralctl to show certificate details.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace corral::tls {

struct CertificateInfo {
  std::string subject_cn;
  std::string issuer_cn;
  std::string serial_hex;  // lowercase hex, no leading "0x"
  int64_t not_before = 0;  // unix seconds
  int64_t not_after = 0;
  std::string sha256_hex;  // SHA-256 of the DER encoding, lowercase hex
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;  // textual, e.g. "127.0.0.1", "::1"
  bool is_ca = false;                     // basicConstraints CA:TRUE
};

// Describes the first certificate in CERT_PEM.
Result<CertificateInfo> inspect_certificate(const std::string& cert_pem);

// Fingerprint of the first certificate in PEM (what the join token carries).
Result<std::string> certificate_sha256_hex(const std::string& cert_pem);

// Checks that cert_pem is signed by ca_pem and is within validity at `now_unix` (0 = current
// time); the CA must be valid then too. CA_PEM may hold several certificates (old and new CA
// during a rotation); any of them may be the issuer. Malformed PEM is invalid_argument; a
// certificate that does not verify is unauthenticated, with OpenSSL's reason in the message.
Status verify_certificate(const std::string& cert_pem, const std::string& ca_pem, int64_t now_unix = 0);

}  // namespace corral::tls
