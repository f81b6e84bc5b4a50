// The AWS plugin loaded through the C ABI: Describe, the schema (secrets marked, the default
// templates published) and ValidateConfig, which refuses at save what EC2 would refuse at the
// first create. The EC2 calls are tested against the loopback endpoint (ec2_loopback_test.cpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "corral/sdk/json_schema.h"
#include "corral/sdk/testing/plugin_harness.h"

namespace {

namespace pv1 = corral::provider::v1;
using corral::sdk::testing::PluginHarness;

pv1::ProviderConfig config(const std::string& json) {
  pv1::ProviderConfig c;
  c.set_name("aws-test");
  c.set_revision(1);
  c.set_config_json(json);
  return c;
}

// JSON, an object's text without its braces, gets the instance fields every config needs.
std::vector<std::pair<std::string, std::string>> validate(PluginHarness& plugin, const std::string& json) {
  pv1::ValidateConfigRequest r;
  *r.mutable_config() =
      config(R"({"image_id": "ami-0123456789abcdef0", "instance_type": "t3.micro", )" + json.substr(1));
  auto resp = plugin.invoke<pv1::ValidateConfigResponse>(CORRAL_METHOD_VALIDATE_CONFIG, r);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : resp.errors()) out.emplace_back(e.path(), e.message());
  return out;
}

TEST(AwsProvider, DescribesItselfWithAUsableSchemaAndSecretsMarked) {
  PluginHarness plugin(CORRAL_AWS_PLUGIN);
  auto d = plugin.invoke<pv1::DescribeResponse>(CORRAL_METHOD_DESCRIBE, pv1::DescribeRequest());
  EXPECT_EQ(d.name(), "aws");
  auto secrets = corral::sdk::secret_paths(d.config_schema_json());
  EXPECT_EQ(secrets, (std::vector<std::string>{"/secret_access_key", "/session_token"}));
  auto schema = nlohmann::json::parse(d.config_schema_json());
  EXPECT_NE(schema["$defs"]["default_linux_startup_script_template"]["default"].get<std::string>().find(
                "{agent_download_url}"),
            std::string::npos);
  EXPECT_NE(schema["$defs"]["default_windows_startup_script_template"]["default"].get<std::string>().find(
                "Invoke-WebRequest"),
            std::string::npos);
}

TEST(AwsProvider, ValidatesConfigs) {
  PluginHarness plugin(CORRAL_AWS_PLUGIN);
  EXPECT_TRUE(validate(plugin, R"({"region": "eu-west-1"})").empty());
  EXPECT_TRUE(validate(plugin, R"({"region": "us-gov-west-1", "endpoint_url": "https://ec2.example.internal",
      "access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "s", "role_arn":
      "arn:aws:iam::123456789012:role/corral", "external_id": "ext-1", "imds_endpoint": "http://127.0.0.1:9"})")
                  .empty());
  auto bad_region = validate(plugin, R"({"region": "Europe"})");
  ASSERT_EQ(bad_region.size(), 1u);
  EXPECT_EQ(bad_region[0].first, "/region");
  auto half_pair = validate(plugin, R"({"region": "eu-west-1", "access_key_id": "AKIAIOSFODNN7EXAMPLE"})");
  ASSERT_EQ(half_pair.size(), 1u);
  EXPECT_EQ(half_pair[0].first, "/secret_access_key");
  auto lonely_external_id = validate(plugin, R"({"region": "eu-west-1", "external_id": "abc"})");
  ASSERT_EQ(lonely_external_id.size(), 1u);
  EXPECT_EQ(lonely_external_id[0].first, "/external_id");
  // A secret never comes back in a message.
  auto secret =
      validate(plugin, R"({"region": "eu-west-1", "secret_access_key": "", "access_key_id": "AKIAIOSFODNN7EXAMPLE"})");
  ASSERT_FALSE(secret.empty());
  EXPECT_EQ(validate(plugin, R"({"region": "eu-west-1", "color": "blue"})").at(0).first, "/color");
}

TEST(AwsProvider, ValidatesInstanceFields) {
  PluginHarness plugin(CORRAL_AWS_PLUGIN);
  EXPECT_TRUE(validate(plugin, R"({"region": "eu-west-1", "subnet_id": "subnet-0123456789abcdef0",
      "security_group_ids": ["sg-0123456789abcdef0"], "key_name": "ops", "iam_instance_profile": "corral-vm",
      "root_volume": {"size_gib": 50, "type": "io2", "iops": 5000}, "spot": {"max_price": "0.10"},
      "tags": {"team": "vdi"}, "instance_metadata_tokens": "required"})")
                  .empty());
  auto path_of = [&](const std::string& json) {
    auto errors = validate(plugin, json);
    return errors.empty() ? std::string("(accepted)") : errors[0].first;
  };
  EXPECT_EQ(path_of(R"({"region": "eu-west-1", "image_id": "ubuntu"})"), "/image_id");
  EXPECT_EQ(path_of(R"({"region": "eu-west-1", "security_group_ids": ["default"]})"), "/security_group_ids/0");
  EXPECT_EQ(path_of(R"({"region": "eu-west-1", "root_volume": {"type": "gp2", "iops": 3000}})"), "/root_volume/iops");
  EXPECT_EQ(path_of(R"({"region": "eu-west-1", "root_volume": {"type": "io1"}})"), "/root_volume/iops");
  EXPECT_EQ(path_of(R"({"region": "eu-west-1", "root_volume": {"throughput_mibps": 500}})"),
            "/root_volume/throughput_mibps");
  EXPECT_EQ(path_of(R"({"region": "eu-west-1", "tags": {"aws:owner": "x"}})"), "/tags/aws:owner");
  EXPECT_EQ(path_of(R"({"region": "eu-west-1", "tags": {"Name": "x"}})"), "/tags/Name");
  EXPECT_EQ(path_of(R"({"region": "eu-west-1", "spot": {"max_price": "cheap"}})"), "/spot/max_price");
  // Without the fields every launch needs.
  pv1::ValidateConfigRequest r;
  *r.mutable_config() = config(R"({"region": "eu-west-1"})");
  auto resp = plugin.invoke<pv1::ValidateConfigResponse>(CORRAL_METHOD_VALIDATE_CONFIG, r);
  ASSERT_EQ(resp.errors_size(), 2);
  EXPECT_EQ(resp.errors(0).path(), "/image_id");
  EXPECT_EQ(resp.errors(1).path(), "/instance_type");
}

}  // namespace
