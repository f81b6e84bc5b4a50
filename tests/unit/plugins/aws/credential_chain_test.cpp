// The credential chain's order and caching, with a fake environment, files in a temp dir and a
// scripted metadata service (the real-HTTP IMDS and STS tests are in imds_sts_loopback_test.cpp).
#include "plugins/aws/credential_chain.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace corral::aws {
namespace {

namespace pv1 = sdk::pv1;

class ChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("aws-chain-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    env_["AWS_SHARED_CREDENTIALS_FILE"] = (dir_ / "credentials").string();
    env_["AWS_CONFIG_FILE"] = (dir_ / "config").string();
  }

  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }

  CredentialContext context() {
    return {[this] { return now_; },
            [this](const std::string& k) -> std::optional<std::string> {
              auto it = env_.find(k);
              return it == env_.end() ? std::nullopt : std::optional<std::string>(it->second);
            },
            [this](const pv1::HttpRequest& r) { return imds(r); }};
  }

  // IMDSv2 as documented; each credentials answer has a new key id and expires in an hour.
  sdk::HttpResult imds(const pv1::HttpRequest& r) {
    ++imds_requests_;
    sdk::HttpResult out;
    if (imds_down_) {
      out.response.set_transport_error("connect: connection refused");
      return out;
    }
    const std::string path = r.url().substr(r.url().find('/', 8));
    if (r.method() == "PUT" && path == "/latest/api/token") {
      out.response.set_status(200);
      out.response.set_body("token-1");
    } else if (path == "/latest/meta-data/iam/security-credentials/") {
      out.response.set_status(200);
      out.response.set_body("corral-role\n");
    } else if (path == "/latest/meta-data/iam/security-credentials/corral-role") {
      ++credential_fetches_;
      out.response.set_status(200);
      out.response.set_body(R"({"Code":"Success","AccessKeyId":"ASIAIMDS)" + std::to_string(credential_fetches_) +
                            R"(","SecretAccessKey":"s","Token":"t","Expiration":"2023-11-14T22:13:20Z"})");
    } else {
      out.response.set_status(404);
    }
    return out;
  }

  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
  int64_t now_ = 1700000000000 - 3600 * 1000;  // an hour before the IMDS answer's Expiration
  bool imds_down_ = false;
  int imds_requests_ = 0;
  int credential_fetches_ = 0;
};

TEST_F(ChainTest, ConfigKeysComeFirst) {
  env_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env_["AWS_SECRET_ACCESS_KEY"] = "s";
  write("credentials", "[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=s\n");
  CredentialChain chain({"AKIDCONFIG", "secret", "token", ""});
  auto c = chain.credentials(context());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.value().access_key_id, "AKIDCONFIG");
  EXPECT_EQ(c.value().session_token, "token");
  EXPECT_EQ(imds_requests_, 0);
}

TEST_F(ChainTest, EnvironmentBeforeFiles) {
  env_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env_["AWS_SECRET_ACCESS_KEY"] = "s";
  env_["AWS_SESSION_TOKEN"] = "envtoken";
  write("credentials", "[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=s\n");
  auto c = CredentialChain({}).credentials(context());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.value().access_key_id, "AKIDENV");
  EXPECT_EQ(c.value().session_token, "envtoken");
}

TEST_F(ChainTest, ProfileFromCredentialsFileThenConfigFile) {
  write("credentials", "[dev]\naws_access_key_id=AKIDCREDS\naws_secret_access_key=s\n");
  write("config",
        "[profile dev]\naws_access_key_id=AKIDCONFIGFILE\naws_secret_access_key=s\n"
        "[profile ops]\naws_access_key_id=AKIDOPS\naws_secret_access_key=s\naws_session_token=t\n");
  auto dev = CredentialChain({.profile = "dev"}).credentials(context());
  ASSERT_TRUE(dev.ok());
  EXPECT_EQ(dev.value().access_key_id, "AKIDCREDS");
  env_["AWS_PROFILE"] = "ops";
  auto ops = CredentialChain({}).credentials(context());
  ASSERT_TRUE(ops.ok());
  EXPECT_EQ(ops.value().access_key_id, "AKIDOPS");
  EXPECT_EQ(ops.value().session_token, "t");
  EXPECT_EQ(imds_requests_, 0);
}

TEST_F(ChainTest, InstanceRoleLastAndCachedUntilNearExpiry) {
  CredentialChain chain({});
  auto first = chain.credentials(context());
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first.value().access_key_id, "ASIAIMDS1");
  EXPECT_EQ(first.value().expires_unix_ms, 1700000000000);
  int requests = imds_requests_;
  EXPECT_EQ(chain.credentials(context()).value().access_key_id, "ASIAIMDS1");
  EXPECT_EQ(imds_requests_, requests);      // served from the cache
  now_ = 1700000000000 - kRefreshBeforeMs;  // inside the refresh window
  EXPECT_EQ(chain.credentials(context()).value().access_key_id, "ASIAIMDS2");
}

TEST_F(ChainTest, FailedRefreshKeepsCredentialsThatAreStillValid) {
  CredentialChain chain({});
  ASSERT_TRUE(chain.credentials(context()).ok());
  imds_down_ = true;
  now_ = 1700000000000 - 1000;
  auto c = chain.credentials(context());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.value().access_key_id, "ASIAIMDS1");
  now_ = 1700000000000;
  auto expired = chain.credentials(context());
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().error_class, pv1::ERROR_CLASS_AUTH);
}

TEST_F(ChainTest, NothingAnywhereSaysWhereItLooked) {
  imds_down_ = true;
  auto c = CredentialChain({}).credentials(context());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().error_class, pv1::ERROR_CLASS_AUTH);
  EXPECT_NE(c.error().message.find("no AWS credentials found"), std::string::npos);
  EXPECT_NE(c.error().message.find("connection refused"), std::string::npos);
  env_["AWS_EC2_METADATA_DISABLED"] = "true";
  int requests = imds_requests_;
  EXPECT_FALSE(CredentialChain({}).credentials(context()).ok());
  EXPECT_EQ(imds_requests_, requests);
}

TEST_F(ChainTest, HalfAKeyPairStopsTheChain) {
  auto config = CredentialChain({.access_key_id = "AKID"}).credentials(context());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().error_class, pv1::ERROR_CLASS_INVALID_CONFIG);
  EXPECT_EQ(config.error().field_path, "/secret_access_key");

  env_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  auto env = CredentialChain({}).credentials(context());
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.error().message, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
  EXPECT_EQ(imds_requests_, 0);
}

TEST_F(ChainTest, NamedProfileMustExist) {
  write("credentials", "[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=s\n");
  auto c = CredentialChain({.profile = "missing"}).credentials(context());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().field_path, "/profile");
  EXPECT_EQ(imds_requests_, 0);
}

TEST_F(ChainTest, MalformedFileIsReportedWithItsPathAndLine) {
  write("credentials", "[default]\naws_access_key_id=AKID\nTOPSECRET\n");
  auto c = CredentialChain({}).credentials(context());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message, env_["AWS_SHARED_CREDENTIALS_FILE"] + ": line 3: expected [section] or key = value");
}

TEST(AwsTime, ParsesTheFormsAwsSends) {
  EXPECT_EQ(parse_aws_time("2023-11-14T22:13:20Z"), 1700000000000);
  EXPECT_EQ(parse_aws_time("2023-11-14T22:13:20.123Z"), 1700000000000);
  EXPECT_EQ(parse_aws_time("2023-11-14 22:13:20Z"), std::nullopt);
  EXPECT_EQ(parse_aws_time("2023-13-14T22:13:20Z"), std::nullopt);
  EXPECT_EQ(parse_aws_time(""), std::nullopt);
}

}  // namespace
}  // namespace corral::aws
