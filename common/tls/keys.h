// Key material for agents and the manager: a fresh ECDSA P-256 private key and a PKCS#10
// certificate signing request for it. The agent calls these at enrollment so its private key
// never leaves the host; the manager signs the CSR with CertificateAuthority::sign_client_csr.
#pragma once

#include <string>

#include "common/result.h"

namespace corral::tls {

// ECDSA P-256, unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY"). Store it with mode 0600.
Result<std::string> generate_private_key_pem();

// PKCS#10 PEM with subject CN=COMMON_NAME, signed with SHA-256 by the key. The CA ignores the
// subject it asks for; the name only helps a human reading the request.
Result<std::string> create_csr_pem(const std::string& private_key_pem, const std::string& common_name);

// SHA-256 (hex) of the DER SubjectPublicKeyInfo a CSR asks a certificate for: the same key gives
// the same value in every CSR, so a retried enrollment is recognised by its key.
Result<std::string> csr_public_key_sha256(const std::string& csr_pem);

}  // namespace corral::tls
