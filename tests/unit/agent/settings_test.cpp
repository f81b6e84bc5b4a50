#include "agent/settings.h"

#include <gtest/gtest.h>

#include <map>

#include "common/files.h"
#include "tests/unit/agent/temp_dir.h"

namespace corral::agent {
namespace {

using testing::TempDir;

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

AgentArgs base_args() {
  AgentArgs a;
  a.data_dir = "/d";
  return a;
}

TEST(JoinTokenSource, FlagWinsOverFileAndEnvironment) {
  TempDir dir;
  ASSERT_TRUE(write_file_atomic(dir.file("token"), "from-file\n", 0600).ok());
  AgentArgs a = base_args();
  a.join_token = "from-flag";
  EXPECT_EQ(*resolve_join_token(a, env_of({{kJoinTokenEnv, "from-env"}})), "from-flag");
}

TEST(JoinTokenSource, FileWinsOverEnvironmentAndIsTrimmed) {
  TempDir dir;
  ASSERT_TRUE(write_file_atomic(dir.file("token"), "  from-file\n\n", 0600).ok());
  AgentArgs a = base_args();
  a.join_token_file = dir.file("token");
  EXPECT_EQ(*resolve_join_token(a, env_of({{kJoinTokenEnv, "from-env"}})), "from-file");
}

TEST(JoinTokenSource, EnvironmentIsTheFallback) {
  EXPECT_EQ(*resolve_join_token(base_args(), env_of({{kJoinTokenEnv, "from-env\n"}})), "from-env");
  EXPECT_EQ(*resolve_join_token(base_args(), env_of({})), "");
}

TEST(JoinTokenSource, UnreadableOrEmptyFileIsAnError) {
  TempDir dir;
  AgentArgs a = base_args();
  a.join_token_file = dir.file("missing");
  auto missing = resolve_join_token(a, env_of({{kJoinTokenEnv, "from-env"}}));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("--join-token-file"), std::string::npos);

  ASSERT_TRUE(write_file_atomic(dir.file("empty"), " \n", 0600).ok());
  a.join_token_file = dir.file("empty");
  auto empty = resolve_join_token(a, env_of({}));
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("is empty"), std::string::npos);
}

TEST(AgentSettings, DefaultsWithoutConfigFile) {
  auto s = resolve_settings(base_args(), env_of({}));
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->config.max_sessions(), kDefaultMaxSessions);
  EXPECT_EQ(s->config.max_reconnect_delay_seconds(), kDefaultMaxReconnectDelaySeconds);
  EXPECT_EQ(s->log_level, log::Level::info);
  EXPECT_TRUE(s->join_token.empty());
}

TEST(AgentSettings, FlagsOverrideTheConfigFile) {
  TempDir dir;
  ASSERT_TRUE(write_file_atomic(dir.file("agent.yaml"),
                                "max_sessions: 4\nlabels:\n  zone: a\n  rack: r1\nlog_level: warn\n"
                                "max_reconnect_delay_seconds: 30\n",
                                0644)
                  .ok());
  AgentArgs a = base_args();
  a.config_file = dir.file("agent.yaml");
  auto from_file = resolve_settings(a, env_of({}));
  ASSERT_TRUE(from_file.ok()) << from_file.status().message();
  EXPECT_EQ(from_file->config.max_sessions(), 4u);
  EXPECT_EQ(from_file->config.max_reconnect_delay_seconds(), 30u);
  EXPECT_EQ(from_file->log_level, log::Level::warn);

  a.max_sessions = 9;
  a.log_level = "debug";
  a.labels = {{"zone", "b"}, {"gpu", "1"}};
  auto s = resolve_settings(a, env_of({}));
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->config.max_sessions(), 9u);
  EXPECT_EQ(s->log_level, log::Level::debug);
  EXPECT_EQ(s->config.labels().at("zone"), "b");
  EXPECT_EQ(s->config.labels().at("rack"), "r1");
  EXPECT_EQ(s->config.labels().at("gpu"), "1");
}

TEST(AgentSettings, ExplicitZeroMaxSessionsIsKept) {
  AgentArgs a = base_args();
  a.max_sessions = 0;
  auto s = resolve_settings(a, env_of({}));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->config.max_sessions(), 0u);
}

TEST(AgentSettings, BadConfigNamesTheKey) {
  TempDir dir;
  AgentArgs a = base_args();
  a.config_file = dir.file("agent.yaml");

  ASSERT_TRUE(write_file_atomic(*a.config_file, "max_sesions: 4\n", 0644).ok());
  auto unknown = resolve_settings(a, env_of({}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("max_sesions"), std::string::npos) << unknown.status().message();

  ASSERT_TRUE(write_file_atomic(*a.config_file, "max_sessions: many\n", 0644).ok());
  auto type = resolve_settings(a, env_of({}));
  ASSERT_FALSE(type.ok());
  EXPECT_NE(type.status().message().find("max_sessions"), std::string::npos) << type.status().message();

  ASSERT_TRUE(write_file_atomic(*a.config_file, "log_level: loud\n", 0644).ok());
  auto level = resolve_settings(a, env_of({}));
  ASSERT_FALSE(level.ok());
  EXPECT_NE(level.status().message().find("log_level"), std::string::npos) << level.status().message();
  EXPECT_NE(level.status().message().find("agent.yaml"), std::string::npos) << level.status().message();

  ASSERT_TRUE(write_file_atomic(*a.config_file, "max_reconnect_delay_seconds: 99999\n", 0644).ok());
  auto delay = resolve_settings(a, env_of({}));
  ASSERT_FALSE(delay.ok());
  EXPECT_NE(delay.status().message().find("max_reconnect_delay_seconds"), std::string::npos);
}

TEST(AgentSettings, BadLogLevelFlagNamesTheFlag) {
  AgentArgs a = base_args();
  a.log_level = "loud";
  auto s = resolve_settings(a, env_of({}));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("--log-level"), std::string::npos);
}

}  // namespace
}  // namespace corral::agent
