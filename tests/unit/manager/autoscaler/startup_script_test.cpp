// Rendering a VM's startup script: every variable filled from its own value, each pool type's set,
// every refusal with its position, and no secret in any error.
#include "manager/autoscaler/startup_script.h"

#include <gtest/gtest.h>

namespace corral::autoscaler {
namespace {

using store::PoolType;

StartupScriptValues script_values() {
  StartupScriptValues v;
  v.connection_username = "admin-user";
  v.connection_password = "pw-SECRET-1";
  v.ad_join_credential = "ad-SECRET-2";
  v.domain = "example.local";
  v.server_id = "srv-1";
  v.server_hostname = "corral-ab12";
  v.manager_url = "https://corral.example.net:8443";
  v.join_token = "cj1.token-SECRET-3";
  v.agent_download_url = "https://corral.example.net:8443/downloads/";
  v.provider_name = "east-aws";
  v.zone = "us-east-1a";
  return v;
}

void expect_no_secret(const Status& s) {
  for (const char* secret : {"SECRET", "pw-", "ad-", "cj1."}) {
    EXPECT_EQ(s.message().find(secret), std::string::npos) << s.message();
  }
}

TEST(StartupScriptTest, EveryServerVariableGetsItsOwnValue) {
  const std::string text =
      "u={connection_username} p={connection_password} a={ad_join_credential} d={domain}\n"
      "id={server_id} h={server_hostname} m={manager_url} t={join_token} dl={agent_download_url} {{x}}\n";
  auto script = render_startup_script(text, PoolType::server, script_values());
  ASSERT_TRUE(script.ok()) << script.status().to_string();
  EXPECT_EQ(*script,
            "u=admin-user p=pw-SECRET-1 a=ad-SECRET-2 d=example.local\n"
            "id=srv-1 h=corral-ab12 m=https://corral.example.net:8443 t=cj1.token-SECRET-3 "
            "dl=https://corral.example.net:8443/downloads/ {x}\n");
}

TEST(StartupScriptTest, DockerAgentPoolsAlsoGetProviderNameAndZone) {
  auto script = render_startup_script("{provider_name}/{zone}/{server_id}", PoolType::docker_agent, script_values());
  ASSERT_TRUE(script.ok()) << script.status().to_string();
  EXPECT_EQ(*script, "east-aws/us-east-1a/srv-1");
}

TEST(StartupScriptTest, TheSetsPerPoolTypeAndTheirUnionForSaving) {
  const auto& server = template_variables(PoolType::server);
  const auto& docker = template_variables(PoolType::docker_agent);
  EXPECT_EQ(server.size(), 9u);
  EXPECT_EQ(docker.size(), 11u);
  EXPECT_EQ(std::find(server.begin(), server.end(), "zone"), server.end());
  EXPECT_NE(std::find(docker.begin(), docker.end(), "zone"), docker.end());
  std::set<std::string> all = all_template_variables();
  EXPECT_EQ(all, std::set<std::string>(docker.begin(), docker.end()));
  for (const auto& name : server) EXPECT_TRUE(all.count(name)) << name;
}

TEST(StartupScriptTest, AServerPoolRefusesTheDockerVariablesAtEachUse) {
  auto script = render_startup_script("#!/bin/bash\necho {server_id}\necho {zone} {provider_name}\n", PoolType::server,
                                      script_values());
  ASSERT_FALSE(script.ok());
  EXPECT_EQ(script.status().code(), ErrorCode::invalid_argument);
  const std::string& m = script.status().message();
  EXPECT_NE(m.find("line 3, column 6: {zone} is offered to docker agent pools only"), std::string::npos) << m;
  EXPECT_NE(m.find("line 3, column 13: {provider_name} is offered to docker agent pools only"), std::string::npos) << m;
  EXPECT_LT(m.find("{zone}"), m.find("{provider_name}")) << "in text order: " << m;
}

TEST(StartupScriptTest, AnUnknownVariableIsNamedWithASuggestion) {
  auto script = render_startup_script("a\n  {joun_token}", PoolType::server, script_values());
  ASSERT_FALSE(script.ok());
  EXPECT_EQ(script.status().code(), ErrorCode::invalid_argument);
  EXPECT_NE(
      script.status().message().find("line 2, column 3: unknown variable 'joun_token' (did you mean 'join_token'?)"),
      std::string::npos)
      << script.status().message();
}

TEST(StartupScriptTest, ASyntaxErrorGivesLineAndColumn) {
  auto script = render_startup_script("ok {server_id}\nbad } here\n", PoolType::server, script_values());
  ASSERT_FALSE(script.ok());
  EXPECT_EQ(script.status().code(), ErrorCode::invalid_argument);
  EXPECT_NE(script.status().message().find("does not parse: line 2, column 5"), std::string::npos)
      << script.status().message();
}

TEST(StartupScriptTest, AMissingRequiredValueIsNamedAtEachUseWithoutAnySecret) {
  StartupScriptValues v = script_values();
  v.join_token.clear();
  v.manager_url.clear();
  auto script = render_startup_script("p='{connection_password}' t={join_token}\nm={manager_url} t={join_token}\n",
                                      PoolType::server, v);
  ASSERT_FALSE(script.ok());
  EXPECT_EQ(script.status().code(), ErrorCode::failed_precondition);
  const std::string& m = script.status().message();
  EXPECT_NE(m.find("line 1, column 29: {join_token} has no value"), std::string::npos) << m;
  EXPECT_NE(m.find("line 2, column 3: {manager_url} has no value; line 2, column 19: {join_token} has no value"),
            std::string::npos)
      << "in text order: " << m;
  expect_no_secret(script.status());
}

TEST(StartupScriptTest, OptionalValuesMayBeEmpty) {
  StartupScriptValues v = script_values();
  v.ad_join_credential.clear();
  v.domain.clear();
  v.connection_password.clear();
  v.zone.clear();
  auto script = render_startup_script("[{domain}][{ad_join_credential}][{connection_password}][{zone}]",
                                      PoolType::docker_agent, v);
  ASSERT_TRUE(script.ok()) << script.status().to_string();
  EXPECT_EQ(*script, "[][][][]");
}

TEST(StartupScriptTest, AnUnusedMissingValueIsNoProblem) {
  StartupScriptValues v = script_values();
  v.agent_download_url.clear();
  auto script = render_startup_script("{join_token}", PoolType::server, v);
  ASSERT_TRUE(script.ok()) << script.status().to_string();
}

TEST(StartupScriptTest, ThePluginsOwnVariablesAreLeftForThePlugin) {
  auto script =
      render_startup_script("{server_id} {instance_profile}", PoolType::server, script_values(), {"instance_profile"});
  ASSERT_TRUE(script.ok()) << script.status().to_string();
  EXPECT_EQ(*script, "srv-1 {instance_profile}");
}

TEST(StartupScriptTest, ValuesAreInsertedVerbatimWithoutASecondPass) {
  StartupScriptValues v = script_values();
  v.connection_password = "{join_token}}{";
  auto script = render_startup_script("{connection_password}", PoolType::server, v);
  ASSERT_TRUE(script.ok());
  EXPECT_EQ(*script, "{join_token}}{");
}

TEST(StartupScriptTest, ManyBadUsesGiveABoundedMessage) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += "{zone}\n";
  auto script = render_startup_script(text, PoolType::server, script_values());
  ASSERT_FALSE(script.ok());
  EXPECT_NE(script.status().message().find("and 490 more"), std::string::npos);
  EXPECT_LT(script.status().message().size(), 2000u);
}

TEST(StartupScriptTest, TheAgentDownloadUrlIsTheManagersDownloadsPath) {
  EXPECT_EQ(agent_download_url("https://corral.example.net:8443"), "https://corral.example.net:8443/downloads/");
  EXPECT_EQ(agent_download_url("https://corral.example.net:8443//"), "https://corral.example.net:8443/downloads/");
}

}  // namespace
}  // namespace corral::autoscaler
