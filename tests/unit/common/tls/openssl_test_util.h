// Raw OpenSSL helpers for the corral_tls tests. They deliberately avoid corral_tls internals so
// a bug there cannot hide itself by also skewing what the tests observe.
#pragma once

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

namespace corral::tls::testing {

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct ReqFree {
  void operator()(X509_REQ* p) const { X509_REQ_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free_all(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using ReqPtr = std::unique_ptr<X509_REQ, ReqFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

inline BioPtr input(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

inline std::string drain(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

inline X509Ptr parse_cert(const std::string& pem) {
  return X509Ptr(PEM_read_bio_X509(input(pem).get(), nullptr, nullptr, nullptr));
}
inline ReqPtr parse_req(const std::string& pem) {
  return ReqPtr(PEM_read_bio_X509_REQ(input(pem).get(), nullptr, nullptr, nullptr));
}
inline PkeyPtr parse_key(const std::string& pem) {
  return PkeyPtr(PEM_read_bio_PrivateKey(input(pem).get(), nullptr, nullptr, nullptr));
}

inline std::string key_to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  EXPECT_EQ(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  return drain(bio.get());
}
inline std::string req_to_pem(X509_REQ* req) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  EXPECT_EQ(PEM_write_bio_X509_REQ(bio.get(), req), 1);
  return drain(bio.get());
}

// The value of the only CN in NAME; empty if there is none.
inline std::string common_name(const X509_NAME* name) {
  int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return "";
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<size_t>(ASN1_STRING_length(data)));
}

inline bool is_p256(EVP_PKEY* key) {
  char group[80] = {};
  size_t len = 0;
  return EVP_PKEY_is_a(key, "EC") == 1 && EVP_PKEY_get_group_name(key, group, sizeof(group), &len) == 1 &&
         std::string(group) == "prime256v1";
}

// A P-256 key whose encodings spell out the curve parameters instead of naming the curve (what
// "openssl ecparam -param_enc explicit" makes). OpenSSL still reports its group as prime256v1.
inline PkeyPtr explicit_p256_key() {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr),
                                                                  &EVP_PKEY_CTX_free);
  char group[] = "P-256";
  char encoding[] = "explicit";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
                         OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING, encoding, 0),
                         OSSL_PARAM_construct_end()};
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_params(ctx.get(), params) != 1 ||
      EVP_PKEY_generate(ctx.get(), &key) != 1) {
    ADD_FAILURE() << "cannot generate a P-256 key with explicit parameters";
  }
  return PkeyPtr(key);
}

// Whether extension NID is present and marked critical (false when absent).
inline bool extension_critical(X509* cert, int nid) {
  int index = X509_get_ext_by_NID(cert, nid, -1);
  return index >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, index)) == 1;
}

}  // namespace corral::tls::testing
