// The AWS plugin loaded through the C ABI as the manager loads it. This stage has no EC2 calls,
// so the conformance kit (which needs working lifecycle calls) does not run against it yet; this
// checks what exists: Describe, the schema, ValidateConfig, and the lifecycle methods' error.
#include <gtest/gtest.h>

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

std::vector<std::pair<std::string, std::string>> validate(PluginHarness& plugin, const std::string& json) {
  pv1::ValidateConfigRequest r;
  *r.mutable_config() = config(json);
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

TEST(AwsProvider, LifecycleMethodsSayTheyAreNotBuilt) {
  PluginHarness plugin(CORRAL_AWS_PLUGIN);
  pv1::CreateVmRequest create;
  *create.mutable_config() = config(R"({"region": "eu-west-1"})");
  create.set_idempotency_key("k");
  auto c = plugin.invoke<pv1::CreateVmResponse>(CORRAL_METHOD_CREATE_VM, create);
  ASSERT_TRUE(c.has_error());
  EXPECT_EQ(c.error().class_(), pv1::ERROR_CLASS_INVALID_CONFIG);
  EXPECT_NE(c.error().message().find("not implemented in this build"), std::string::npos);
  EXPECT_FALSE(c.has_vm());

  pv1::ListVmsRequest list;
  *list.mutable_config() = config(R"({"region": "nowhere"})");
  auto l = plugin.invoke<pv1::ListVmsResponse>(CORRAL_METHOD_LIST_VMS, list);
  ASSERT_TRUE(l.has_error());
  EXPECT_EQ(l.error().field_path(), "/region");  // a bad config is reported as that first
}

}  // namespace
