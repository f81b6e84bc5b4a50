#include "common/tls/keys.h"

#include <string_view>

#include "common/encoding.h"
#include "common/tls/openssl_util.h"

namespace corral::tls {

using detail::ErrorQueueScope;
using detail::openssl_error;

Result<std::string> generate_private_key_pem() {
  ErrorQueueScope scope;
  auto key = detail::generate_ec_p256_key();
  if (!key) return key.status();
  return detail::private_key_to_pem(key->get());
}

Result<std::string> create_csr_pem(const std::string& private_key_pem, const std::string& common_name) {
  ErrorQueueScope scope;
  auto key = detail::parse_private_key_pem(private_key_pem, "private key");
  if (!key) return key.status();

  detail::X509ReqPtr req(X509_REQ_new());
  if (!req) return openssl_error(ErrorCode::internal, "cannot allocate a CSR");
  if (X509_REQ_set_version(req.get(), 0) != 1) return openssl_error(ErrorCode::internal, "cannot set the CSR version");
  Status cn = detail::add_common_name(X509_REQ_get_subject_name(req.get()), common_name);
  if (!cn.ok()) return cn;
  if (X509_REQ_set_pubkey(req.get(), key->get()) != 1) {
    return openssl_error(ErrorCode::internal, "cannot set the CSR public key");
  }
  if (X509_REQ_sign(req.get(), key->get(), EVP_sha256()) <= 0) {
    return openssl_error(ErrorCode::invalid_argument, "cannot sign the CSR with this key");
  }
  return detail::csr_to_pem(req.get());
}

Result<std::string> csr_public_key_sha256(const std::string& csr_pem) {
  ErrorQueueScope scope;
  auto req = detail::parse_csr_pem(csr_pem, "CSR");
  if (!req) return req.status();
  EVP_PKEY* key = X509_REQ_get0_pubkey(req->get());
  if (key == nullptr) return openssl_error(ErrorCode::invalid_argument, "the CSR has no public key");
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(key, &der);
  if (n <= 0) return openssl_error(ErrorCode::invalid_argument, "cannot encode the CSR's public key");
  std::string hash = sha256_hex(std::string_view(reinterpret_cast<const char*>(der), static_cast<size_t>(n)));
  OPENSSL_free(der);
  return hash;
}

}  // namespace corral::tls
