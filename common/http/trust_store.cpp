#include "common/http/trust_store.h"

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

namespace corral::http {
namespace {

bool exists(const char* path) {
  struct stat st {};
  return path != nullptr && ::stat(path, &st) == 0;
}

// OpenSSL decodes a certificate's extensions (key identifiers, constraints, purposes) the first time
// a verification asks, and checks whether that was done without taking the certificate's lock. Two
// threads verifying against a fresh shared store can then read a key identifier while the other
// writes it. Decoding them here, before the store is shared, leaves verification only reading.
// (Certificates that OpenSSL finds later in the system's hashed CA directory, because they are not
// in its CA file, are still decoded on first use.)
void cache_extensions(X509_STORE* store) {
  STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
  for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i) {
    if (X509* cert = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, i))) X509_check_purpose(cert, -1, 0);
  }
}

}  // namespace

Result<std::shared_ptr<const TrustStore>> TrustStore::create(const std::string& extra_pem, bool with_system_store) {
  if (extra_pem.empty() && !with_system_store) {
    return error(ErrorCode::invalid_argument, "a trust store needs the system store or CA certificates");
  }
  std::shared_ptr<TrustStore> trust(new TrustStore());
  trust->extra_pem_ = extra_pem;
  trust->with_system_store_ = with_system_store;
  trust->store_ = X509_STORE_new();
  if (trust->store_ == nullptr) return error(ErrorCode::internal, "out of memory creating a trust store");
  // What libcurl sets on the stores it builds itself: prefer trusted certificates when building
  // the chain, and accept a trusted intermediate as an anchor.
  X509_STORE_set_flags(trust->store_, X509_V_FLAG_TRUSTED_FIRST | X509_V_FLAG_PARTIAL_CHAIN);

  if (with_system_store) {
    const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
    const char* file = info != nullptr ? info->cainfo : nullptr;
    const char* dir = info != nullptr ? info->capath : nullptr;
    bool loaded = false;
    if (exists(file)) loaded = X509_STORE_load_file(trust->store_, file) == 1 || loaded;
    if (exists(dir)) loaded = X509_STORE_load_path(trust->store_, dir) == 1 || loaded;
    // A libcurl built without a default CA location: OpenSSL's own defaults.
    if (!loaded) X509_STORE_set_default_paths(trust->store_);
    ERR_clear_error();
  }

  if (!extra_pem.empty()) {
    BIO* bio = BIO_new_mem_buf(extra_pem.data(), static_cast<int>(extra_pem.size()));
    if (bio == nullptr) return error(ErrorCode::internal, "out of memory reading CA certificates");
    int added = 0;
    while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      int ok = X509_STORE_add_cert(trust->store_, cert);
      X509_free(cert);
      if (ok != 1) {
        BIO_free(bio);
        ERR_clear_error();
        return error(ErrorCode::invalid_argument, "CA certificate " + std::to_string(added + 1) + " cannot be trusted");
      }
      ++added;
    }
    // The loop ends at the end of the text (PEM_R_NO_START_LINE) or at a block that does not
    // parse; only the first is fine.
    unsigned long last = ERR_peek_last_error();
    bool clean_end = last == 0 || (ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE);
    BIO_free(bio);
    ERR_clear_error();
    if (added == 0) return error(ErrorCode::invalid_argument, "no PEM certificate among the CA certificates");
    if (!clean_end) {
      return error(ErrorCode::invalid_argument, "CA certificate " + std::to_string(added + 1) +
                                                    " does not parse (after " + std::to_string(added) + " good ones)");
    }
  }
  cache_extensions(trust->store_);
  return std::shared_ptr<const TrustStore>(std::move(trust));
}

TrustStore::~TrustStore() { X509_STORE_free(store_); }

}  // namespace corral::http
