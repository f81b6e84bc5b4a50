#include "common/tls/certificate.h"

#include <gtest/gtest.h>
#include <openssl/err.h>

#include <chrono>
#include <cstdlib>

#include "common/encoding.h"
#include "common/tls/certificate_authority.h"
#include "tests/unit/common/tls/openssl_test_util.h"

namespace corral::tls {
namespace {

int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool is_lower_hex(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

class CertificateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = CertificateAuthority::create("Corral Test CA", 10);
    ASSERT_TRUE(ca.ok()) << ca.status().to_string();
    ca_ = std::make_unique<CertificateAuthority>(std::move(*ca));
  }
  std::unique_ptr<CertificateAuthority> ca_;
};

TEST_F(CertificateTest, InspectsTheCaCertificate) {
  int64_t now = now_unix();
  auto info = inspect_certificate(ca_->certificate_pem());
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->subject_cn, "Corral Test CA");
  EXPECT_EQ(info->issuer_cn, "Corral Test CA");
  EXPECT_TRUE(info->is_ca);
  EXPECT_LE(std::abs(info->not_before - (now - 3600)), 60) << info->not_before;
  EXPECT_LE(std::abs(info->not_after - (now + 10LL * 86400)), 60) << info->not_after;
  EXPECT_TRUE(is_lower_hex(info->serial_hex)) << info->serial_hex;
  EXPECT_TRUE(info->dns_names.empty());
  EXPECT_TRUE(info->ip_addresses.empty());

  // Independently: OpenSSL's own DER digest and serial.
  auto cert = testing::parse_cert(ca_->certificate_pem());
  ASSERT_TRUE(cert);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  ASSERT_EQ(X509_digest(cert.get(), EVP_sha256(), md, &md_len), 1);
  std::string expected = to_hex(std::string(reinterpret_cast<char*>(md), md_len));
  EXPECT_EQ(info->sha256_hex, expected);
  EXPECT_EQ(ca_->sha256_hex(), expected);
  EXPECT_EQ(certificate_sha256_hex(ca_->certificate_pem()).value(), expected);

  testing::BioPtr bio(BIO_new(BIO_s_mem()));
  ASSERT_EQ(i2a_ASN1_INTEGER(bio.get(), X509_get0_serialNumber(cert.get())) > 0, true);
  std::string serial = testing::drain(bio.get());
  for (char& c : serial) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(info->serial_hex, serial);
}

TEST_F(CertificateTest, FingerprintIsOfTheFirstCertificate) {
  auto other = CertificateAuthority::create("Other CA", 10);
  ASSERT_TRUE(other.ok());
  std::string bundle = "leading text\n" + ca_->certificate_pem() + other->certificate_pem();
  EXPECT_EQ(certificate_sha256_hex(bundle).value(), ca_->sha256_hex());
  EXPECT_NE(ca_->sha256_hex(), other->sha256_hex());
}

TEST_F(CertificateTest, ReportsSubjectAltNames) {
  auto issued =
      ca_->issue_server_certificate({"manager.example", "127.0.0.1", "::1", "10.0.0.1.nip.io", "192.168.1.20"}, 5);
  ASSERT_TRUE(issued.ok()) << issued.status().to_string();
  auto info = inspect_certificate(issued->certificate_pem);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->subject_cn, "manager.example");
  EXPECT_EQ(info->issuer_cn, "Corral Test CA");
  EXPECT_FALSE(info->is_ca);
  EXPECT_EQ(info->dns_names, (std::vector<std::string>{"manager.example", "10.0.0.1.nip.io"}));
  EXPECT_EQ(info->ip_addresses, (std::vector<std::string>{"127.0.0.1", "::1", "192.168.1.20"}));
  EXPECT_EQ(info->serial_hex, issued->serial_hex);
  EXPECT_EQ(info->not_after, issued->not_after);
}

TEST_F(CertificateTest, VerifiesAgainstItsCaAndNoOther) {
  auto issued = ca_->issue_server_certificate({"manager.example"}, 5);
  ASSERT_TRUE(issued.ok());
  auto other = CertificateAuthority::create("Corral Test CA", 10);  // same name, different key
  ASSERT_TRUE(other.ok());

  EXPECT_TRUE(verify_certificate(issued->certificate_pem, ca_->certificate_pem()).ok());
  Status wrong = verify_certificate(issued->certificate_pem, other->certificate_pem());
  EXPECT_EQ(wrong.code(), ErrorCode::unauthenticated) << wrong.to_string();
  // A bundle trusts any of its CAs, in any order.
  EXPECT_TRUE(verify_certificate(issued->certificate_pem, other->certificate_pem() + ca_->certificate_pem()).ok());
  // A CA verifies as its own trust anchor; a leaf is not a trust anchor for anything.
  EXPECT_TRUE(verify_certificate(ca_->certificate_pem(), ca_->certificate_pem()).ok());
  EXPECT_FALSE(verify_certificate(ca_->certificate_pem(), issued->certificate_pem).ok());
}

TEST_F(CertificateTest, VerificationHonoursTheValidityWindow) {
  auto issued = ca_->issue_server_certificate({"manager.example"}, 5);
  ASSERT_TRUE(issued.ok());
  auto info = inspect_certificate(issued->certificate_pem);
  ASSERT_TRUE(info.ok());

  EXPECT_TRUE(verify_certificate(issued->certificate_pem, ca_->certificate_pem(), info->not_after - 60).ok());
  Status expired = verify_certificate(issued->certificate_pem, ca_->certificate_pem(), now_unix() + 365LL * 86400);
  EXPECT_EQ(expired.code(), ErrorCode::unauthenticated);
  EXPECT_NE(expired.message().find("expired"), std::string::npos) << expired.message();
  Status early = verify_certificate(issued->certificate_pem, ca_->certificate_pem(), info->not_before - 60);
  EXPECT_EQ(early.code(), ErrorCode::unauthenticated);
  EXPECT_NE(early.message().find("not yet valid"), std::string::npos) << early.message();
}

TEST_F(CertificateTest, RejectsGarbagePem) {
  const std::string truncated = ca_->certificate_pem().substr(0, ca_->certificate_pem().size() / 2);
  for (const std::string& garbage : {std::string(), std::string("garbage"), truncated}) {
    auto info = inspect_certificate(garbage);
    ASSERT_FALSE(info.ok());
    EXPECT_EQ(info.status().code(), ErrorCode::invalid_argument);
    EXPECT_NE(info.status().message().find("certificate is not valid PEM"), std::string::npos)
        << info.status().message();
    EXPECT_EQ(certificate_sha256_hex(garbage).status().code(), ErrorCode::invalid_argument);

    Status bad_cert = verify_certificate(garbage, ca_->certificate_pem());
    EXPECT_EQ(bad_cert.code(), ErrorCode::invalid_argument);
    Status bad_ca = verify_certificate(ca_->certificate_pem(), garbage);
    EXPECT_EQ(bad_ca.code(), ErrorCode::invalid_argument);
    EXPECT_NE(bad_ca.message().find("CA certificate is not valid PEM"), std::string::npos) << bad_ca.message();
  }
  // Failures must not leave entries on the thread's OpenSSL error queue, where the websocket
  // TLS layer would mistake them for its own.
  EXPECT_EQ(ERR_peek_error(), 0u);
  // A valid CA followed by a broken one is still a broken bundle.
  EXPECT_EQ(verify_certificate(ca_->certificate_pem(), ca_->certificate_pem() + truncated).code(),
            ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace corral::tls
