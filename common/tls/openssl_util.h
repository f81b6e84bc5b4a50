// OpenSSL glue internal to corral_tls: owning pointers for OpenSSL objects, error-queue
// handling, and PEM conversion. keys.cpp, certificate.cpp and certificate_authority.cpp use it;
// other components use the public headers, whose API takes and returns PEM text only.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace corral::tls::detail {

template <auto FreeFn>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* p) const {
    FreeFn(p);
  }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<&EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<&EVP_PKEY_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<&X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, OpenSslDeleter<&X509_REQ_free>>;
using X509ExtPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<&X509_EXTENSION_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter<&X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<&X509_STORE_CTX_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<&GENERAL_NAMES_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OpenSslDeleter<&GENERAL_NAME_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<&BN_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<&BIO_free_all>>;

// OpenSSL reports failures on a thread-local queue that other code on the same thread (the
// websocket TLS layer) also reads; stale entries there make later, unrelated SSL calls look
// failed. Every public corral_tls function holds one of these so it leaves the queue empty.
class ErrorQueueScope {
 public:
  ErrorQueueScope();
  ~ErrorQueueScope();
  ErrorQueueScope(const ErrorQueueScope&) = delete;
  ErrorQueueScope& operator=(const ErrorQueueScope&) = delete;
};

// Drains the queue into "lib: reason; lib: reason" (empty when nothing was queued).
std::string drain_openssl_errors();
// Status with MESSAGE, followed by the queued OpenSSL errors when there are any.
Status openssl_error(ErrorCode code, std::string message);

// Parsers take WHAT ("CSR", "CA certificate") so messages name the input that was wrong.
Result<PkeyPtr> parse_private_key_pem(const std::string& pem, std::string_view what);
// The first certificate in PEM; anything after it is ignored.
Result<X509Ptr> parse_certificate_pem(const std::string& pem, std::string_view what);
// Every certificate in PEM (a CA bundle); at least one is required.
Result<std::vector<X509Ptr>> parse_certificate_bundle_pem(const std::string& pem, std::string_view what);
Result<X509ReqPtr> parse_csr_pem(const std::string& pem, std::string_view what);

Result<std::string> private_key_to_pem(EVP_PKEY* key);  // PKCS#8, unencrypted
Result<std::string> certificate_to_pem(X509* cert);
Result<std::string> csr_to_pem(X509_REQ* req);

// Fresh ECDSA P-256 key, the only key type Corral issues or accepts.
Result<PkeyPtr> generate_ec_p256_key();
// Empty when KEY is EC P-256 given by its named-curve OID, else how it differs ("RSA",
// "EC secp384r1", "EC P-256 with explicit curve parameters"). TLS peers (ours included, at the
// agent listener) refuse certificates whose key spells out its curve parameters.
std::string describe_if_not_named_p256(EVP_PKEY* key);

// Appends CN=COMMON_NAME; invalid_argument unless it is 1-64 bytes without control characters.
Status add_common_name(X509_NAME* name, const std::string& common_name);

// SHA-256 of the DER encoding, lowercase hex.
Result<std::string> certificate_fingerprint(X509* cert);
std::string serial_hex(const X509* cert);
int64_t asn1_time_to_unix(const ASN1_TIME* t);  // 0 if unparseable

}  // namespace corral::tls::detail
