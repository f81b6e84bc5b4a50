// IMDSv2 and STS AssumeRole over real HTTP (the manager's host HTTP client, libcurl) against
// loopback servers written from the public documentation: the IMDS server demands its token
// header, the STS server checks every SigV4 signature with botocore.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "manager/providers/host_http.h"
#include "plugins/aws/credential_chain.h"
#include "plugins/aws/imds_client.h"
#include "plugins/aws/sts_client.h"
#include "tests/peers/loopback_server.h"

namespace corral::aws {
namespace {

namespace pv1 = sdk::pv1;
using corral::testing::LoopbackServer;
using manager::providers::HostHttpClient;
using manager::providers::HostHttpSettings;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class Loopback : public ::testing::Test {
 protected:
  void SetUp() override {
    HostHttpSettings settings;
    settings.backoff_base = std::chrono::milliseconds(1);
    auto client = HostHttpClient::create(settings);
    ASSERT_TRUE(client.ok());
    client_ = std::make_unique<HostHttpClient>(std::move(client).value());
  }

  HttpSend send() {
    return [this](const pv1::HttpRequest& r) {
      auto res = client_->perform(r, 0, nullptr, "aws");
      return sdk::HttpResult{res.status, res.message, res.response};
    };
  }

  nlohmann::json stats(const LoopbackServer& imds) {
    pv1::HttpRequest r;
    r.set_method("GET");
    r.set_url(imds.url() + "/_test/stats");
    return nlohmann::json::parse(send()(r).response.body());
  }

  CredentialContext context(std::map<std::string, std::string> env = {}) {
    return {wall_ms,
            [env](const std::string& k) -> std::optional<std::string> {
              auto it = env.find(k);
              return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
            },
            send()};
  }

  // Nothing but IMDS in the chain: no variables, no files.
  std::map<std::string, std::string> no_files() {
    return {{"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"}, {"AWS_CONFIG_FILE", "/nonexistent/config"}};
  }

  std::unique_ptr<HostHttpClient> client_;
};

TEST_F(Loopback, ImdsTokenThenRoleThenCredentials) {
  LoopbackServer imds(CORRAL_AWS_TEST_DIR "/imds_server.py", {});
  ImdsClient client(imds.url());
  auto c = client.fetch(send(), wall_ms());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c.value().access_key_id, "ASIALOOPBACK1");
  EXPECT_EQ(c.value().session_token, "token-1");
  EXPECT_GT(c.value().expires_unix_ms, wall_ms() + 3000 * 1000);
  // The token is reused for the next fetch.
  ASSERT_TRUE(client.fetch(send(), wall_ms()).ok());
  EXPECT_EQ(stats(imds)["token_puts"], 1);
  EXPECT_EQ(stats(imds)["unauthorized"], 0);
}

TEST_F(Loopback, ImdsRevokedTokenIsReplacedOnce) {
  LoopbackServer imds(CORRAL_AWS_TEST_DIR "/imds_server.py", {});
  ImdsClient client(imds.url());
  ASSERT_TRUE(client.fetch(send(), wall_ms()).ok());
  pv1::HttpRequest revoke;
  revoke.set_method("POST");
  revoke.set_url(imds.url() + "/_test/revoke-tokens");
  ASSERT_EQ(send()(revoke).response.status(), 200);
  auto c = client.fetch(send(), wall_ms());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(stats(imds)["token_puts"], 2);
  EXPECT_EQ(stats(imds)["unauthorized"], 1);
}

TEST_F(Loopback, ChainRefreshesInstanceRoleCredentialsBeforeTheyExpire) {
  // 200 s left is inside the 5-minute refresh window: every call fetches again.
  LoopbackServer soon(CORRAL_AWS_TEST_DIR "/imds_server.py", {"--expires-in", "200"});
  CredentialChain refreshing({.imds_endpoint = soon.url()});
  EXPECT_EQ(refreshing.credentials(context(no_files())).value().access_key_id, "ASIALOOPBACK1");
  EXPECT_EQ(refreshing.credentials(context(no_files())).value().access_key_id, "ASIALOOPBACK2");

  LoopbackServer later(CORRAL_AWS_TEST_DIR "/imds_server.py", {"--expires-in", "3600"});
  CredentialChain cached({.imds_endpoint = later.url()});
  EXPECT_EQ(cached.credentials(context(no_files())).value().access_key_id, "ASIALOOPBACK1");
  EXPECT_EQ(cached.credentials(context(no_files())).value().access_key_id, "ASIALOOPBACK1");
  EXPECT_EQ(stats(later)["credential_reads"], 1);
}

TEST_F(Loopback, NoImdsIsAnAuthErrorNamingTheSearch) {
  CredentialChain chain({.imds_endpoint = "http://127.0.0.1:1"});
  auto c = chain.credentials(context(no_files()));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().error_class, pv1::ERROR_CLASS_AUTH);
  EXPECT_NE(c.error().message.find("no AWS credentials found"), std::string::npos) << c.error().message;
}

class StsLoopback : public Loopback {
 protected:
  static constexpr const char* kKey = "AKIAIOSFODNN7EXAMPLE";
  static constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
};

TEST_F(StsLoopback, AssumeRoleWithExternalIdSignedByTheBaseCredentials) {
  LoopbackServer sts(CORRAL_AWS_TEST_DIR "/sts_server.py", {"--access-key", kKey, "--secret-key", kSecret, "--region",
                                                            "eu-west-1", "--external-id", "ext-42"});
  CredentialChain chain({.access_key_id = kKey,
                         .secret_access_key = kSecret,
                         .role_arn = "arn:aws:iam::123456789012:role/corral",
                         .external_id = "ext-42",
                         .session_name = role_session_name("prod pool/1"),
                         .region = "eu-west-1",
                         .sts_endpoint_url = sts.url() + "/"});
  auto c = chain.credentials(context());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c.value().access_key_id, "ASIAASSUMED");
  EXPECT_EQ(c.value().session_token, "assumed-token");
  EXPECT_GT(c.value().expires_unix_ms, wall_ms());
}

TEST_F(StsLoopback, SessionTokenOfTheBaseCredentialsIsSigned) {
  LoopbackServer sts(CORRAL_AWS_TEST_DIR "/sts_server.py",
                     {"--access-key", kKey, "--secret-key", kSecret, "--region", "us-east-2"});
  AssumeRoleRequest req{"arn:aws:iam::123456789012:role/corral", "", "corral-x", "us-east-2", sts.url()};
  auto c = assume_role(req, Credentials{kKey, kSecret, "base-session-token", 0, "test"}, send(), wall_ms());
  ASSERT_TRUE(c.ok()) << c.error().message;
}

TEST_F(StsLoopback, RefusalsAreClassifiedWithStsCodeAndRequestId) {
  LoopbackServer sts(CORRAL_AWS_TEST_DIR "/sts_server.py", {"--access-key", kKey, "--secret-key", kSecret, "--region",
                                                            "eu-west-1", "--external-id", "ext-42"});
  AssumeRoleRequest req{"arn:aws:iam::123456789012:role/corral", "wrong", "corral-x", "eu-west-1", sts.url()};
  auto denied = assume_role(req, Credentials{kKey, kSecret, "", 0, "test"}, send(), wall_ms());
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().error_class, pv1::ERROR_CLASS_AUTH);
  EXPECT_NE(denied.error().message.find("AccessDenied"), std::string::npos);
  EXPECT_NE(denied.error().message.find("request id "), std::string::npos);

  auto bad_secret = assume_role(req, Credentials{kKey, "not-the-secret", "", 0, "test"}, send(), wall_ms());
  ASSERT_FALSE(bad_secret.ok());
  EXPECT_NE(bad_secret.error().message.find("SignatureDoesNotMatch"), std::string::npos);

  // A clock 20 minutes off is refused as STS does.
  req.external_id = "ext-42";
  auto skewed = assume_role(req, Credentials{kKey, kSecret, "", 0, "test"}, send(), wall_ms() - 20 * 60 * 1000);
  ASSERT_FALSE(skewed.ok());
  EXPECT_NE(skewed.error().message.find("SignatureDoesNotMatch"), std::string::npos);

  req.role_arn = "arn:aws:iam::123:role/x";
  auto invalid = assume_role(req, Credentials{kKey, kSecret, "", 0, "test"}, send(), wall_ms());
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().error_class, pv1::ERROR_CLASS_INVALID_CONFIG);
  EXPECT_EQ(invalid.error().field_path, "/role_arn");
}

}  // namespace
}  // namespace corral::aws
