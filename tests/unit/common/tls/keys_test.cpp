#include "common/tls/keys.h"

#include <gtest/gtest.h>

#include "tests/unit/common/tls/openssl_test_util.h"

namespace corral::tls {
namespace {

using testing::parse_key;
using testing::parse_req;

TEST(Keys, GeneratesDistinctP256KeysAsPkcs8) {
  auto a = generate_private_key_pem();
  auto b = generate_private_key_pem();
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  EXPECT_EQ(a->rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u) << *a;
  EXPECT_NE(*a, *b);
  auto key = parse_key(*a);
  ASSERT_TRUE(key);
  EXPECT_TRUE(testing::is_p256(key.get()));
}

TEST(Keys, CsrCarriesCommonNameKeyAndSha256Signature) {
  auto key_pem = generate_private_key_pem();
  ASSERT_TRUE(key_pem.ok());
  auto csr = create_csr_pem(*key_pem, "host-1.example");
  ASSERT_TRUE(csr.ok()) << csr.status().to_string();
  EXPECT_EQ(csr->rfind("-----BEGIN CERTIFICATE REQUEST-----\n", 0), 0u) << *csr;

  auto req = parse_req(*csr);
  ASSERT_TRUE(req);
  EXPECT_EQ(testing::common_name(X509_REQ_get_subject_name(req.get())), "host-1.example");
  EXPECT_EQ(X509_REQ_get_signature_nid(req.get()), NID_ecdsa_with_SHA256);
  auto key = parse_key(*key_pem);
  EXPECT_EQ(EVP_PKEY_eq(X509_REQ_get0_pubkey(req.get()), key.get()), 1);
  EXPECT_EQ(X509_REQ_verify(req.get(), key.get()), 1);
}

TEST(Keys, CsrRejectsGarbageKey) {
  for (const char* garbage : {"", "not a key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}) {
    auto csr = create_csr_pem(garbage, "x");
    ASSERT_FALSE(csr.ok()) << garbage;
    EXPECT_EQ(csr.status().code(), ErrorCode::invalid_argument);
    EXPECT_NE(csr.status().message().find("private key"), std::string::npos) << csr.status().message();
  }
}

TEST(Keys, CsrRejectsEncryptedKeyWithoutPrompting) {
  auto key = parse_key(*generate_private_key_pem());
  ASSERT_TRUE(key);
  testing::BioPtr bio(BIO_new(BIO_s_mem()));
  const char passphrase[] = "hunter2";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), EVP_aes_256_cbc(), passphrase, sizeof(passphrase) - 1,
                                          nullptr, nullptr),
            1);
  std::string encrypted = testing::drain(bio.get());
  ASSERT_NE(encrypted.find("ENCRYPTED PRIVATE KEY"), std::string::npos);

  auto csr = create_csr_pem(encrypted, "x");
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.status().code(), ErrorCode::invalid_argument);
}

TEST(Keys, CsrRejectsBadCommonNames) {
  auto key_pem = generate_private_key_pem();
  ASSERT_TRUE(key_pem.ok());
  for (const std::string& cn : {std::string(), std::string(65, 'a'), std::string("line\nbreak")}) {
    auto csr = create_csr_pem(*key_pem, cn);
    ASSERT_FALSE(csr.ok()) << cn;
    EXPECT_EQ(csr.status().code(), ErrorCode::invalid_argument);
    EXPECT_NE(csr.status().message().find("common name"), std::string::npos) << csr.status().message();
  }
  EXPECT_TRUE(create_csr_pem(*key_pem, std::string(64, 'a')).ok());
}

TEST(CsrPublicKey, TheSameKeyHashesTheSameInEveryCsrAndAnotherKeyDoesNot) {
  const std::string key = generate_private_key_pem().value();
  const auto a = csr_public_key_sha256(create_csr_pem(key, "one").value());
  const auto b = csr_public_key_sha256(create_csr_pem(key, "two").value());
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->size(), 64u);
  const auto other = csr_public_key_sha256(create_csr_pem(generate_private_key_pem().value(), "one").value());
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*other, *a);
  const auto bad = csr_public_key_sha256("-----BEGIN CERTIFICATE REQUEST-----\nnot base64\n");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace corral::tls
