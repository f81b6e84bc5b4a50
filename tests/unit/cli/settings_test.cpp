#include "cli/settings.h"

#include <gtest/gtest.h>

#include "cli/config_file.h"
#include "fakes.h"

namespace corral::cli {
namespace {

using testing::fake_env;
using testing::ScratchDir;

constexpr const char* kCaPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

bool mentions(const Status& st, const std::string& text) { return st.message().find(text) != std::string::npos; }

TEST(Settings, FlagBeatsEnvironmentBeatsConfigFile) {
  ScratchDir dir;
  std::string config = dir.write("corralctl.yaml", "server: https://from-file:1\ntoken: file-token\n");

  GlobalFlags flags;
  flags.config = config;
  flags.server = "https://from-flag:3";
  flags.token = "flag-token";
  auto env = fake_env({{"CORRAL_SERVER", "https://from-env:2"}, {"CORRAL_TOKEN", "env-token"}});

  auto all_flags = resolve_settings(flags, env, {});
  ASSERT_TRUE(all_flags.ok()) << all_flags.status().message();
  EXPECT_EQ(all_flags->server, "https://from-flag:3");
  EXPECT_EQ(all_flags->token, "flag-token");

  flags.server.reset();
  flags.token.reset();
  auto from_env = resolve_settings(flags, env, {});
  ASSERT_TRUE(from_env.ok()) << from_env.status().message();
  EXPECT_EQ(from_env->server, "https://from-env:2");
  EXPECT_EQ(from_env->token, "env-token");

  auto from_file = resolve_settings(flags, fake_env({}), {});
  ASSERT_TRUE(from_file.ok()) << from_file.status().message();
  EXPECT_EQ(from_file->server, "https://from-file:1");
  EXPECT_EQ(from_file->token, "file-token");
}

TEST(Settings, TokenFileIsReadAndTrimmed) {
  ScratchDir dir;
  std::string token_file = dir.write("admin.token", "cadm.abc.def\n");
  GlobalFlags flags;
  flags.config = dir.write("empty.yaml", "");
  flags.server = "https://m:8443/";
  flags.token_file = token_file;
  auto settings = resolve_settings(flags, fake_env({}), {});
  ASSERT_TRUE(settings.ok()) << settings.status().message();
  EXPECT_EQ(settings->token, "cadm.abc.def");
  EXPECT_EQ(settings->server, "https://m:8443");  // trailing '/' dropped
}

TEST(Settings, TokenSourcesAreOneSetting) {
  // CORRAL_TOKEN_FILE (environment) wins over a token written in the config file.
  ScratchDir dir;
  std::string token_file = dir.write("env.token", "env-file-token");
  GlobalFlags flags;
  flags.config = dir.write("c.yaml", "server: https://m:1\ntoken: file-token\n");
  auto settings = resolve_settings(flags, fake_env({{"CORRAL_TOKEN_FILE", token_file}}), {});
  ASSERT_TRUE(settings.ok()) << settings.status().message();
  EXPECT_EQ(settings->token, "env-file-token");

  // Both spellings at the same level is ambiguous.
  auto both = resolve_settings(flags, fake_env({{"CORRAL_TOKEN_FILE", token_file}, {"CORRAL_TOKEN", "t"}}), {});
  ASSERT_FALSE(both.ok());
  EXPECT_TRUE(mentions(both.status(), "CORRAL_TOKEN"));
}

TEST(Settings, ConfigPathsAreRelativeToTheConfigFile) {
  ScratchDir dir;
  dir.write("conf/secrets/admin.token", "tok");
  dir.write("conf/ca.pem", kCaPem);
  GlobalFlags flags;
  flags.config =
      dir.write("conf/corralctl.yaml", "server: https://m:1\ntoken_file: secrets/admin.token\nca_cert: ca.pem\n");
  auto settings = resolve_settings(flags, fake_env({}), {});
  ASSERT_TRUE(settings.ok()) << settings.status().message();
  EXPECT_EQ(settings->token, "tok");
  EXPECT_EQ(settings->ca_pem, kCaPem);
}

TEST(Settings, DefaultConfigPathFollowsXdg) {
  EXPECT_EQ(default_config_path(fake_env({{"XDG_CONFIG_HOME", "/x"}, {"HOME", "/h"}})), "/x/corral/corralctl.yaml");
  EXPECT_EQ(default_config_path(fake_env({{"HOME", "/h"}})), "/h/.config/corral/corralctl.yaml");
  EXPECT_EQ(default_config_path(fake_env({})), "");
}

TEST(Settings, DefaultConfigFileIsUsedWhenPresentAndOptionalWhenNot) {
  ScratchDir dir;
  GlobalFlags flags;
  flags.server = "https://m:1";
  flags.token = "t";
  EXPECT_TRUE(resolve_settings(flags, fake_env({{"XDG_CONFIG_HOME", dir.path()}}), {}).ok());

  dir.write("corral/corralctl.yaml", "colour: blue\n");
  auto bad = resolve_settings(flags, fake_env({{"XDG_CONFIG_HOME", dir.path()}}), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(mentions(bad.status(), "colour"));
}

TEST(Settings, ExplicitConfigFileMustExist) {
  GlobalFlags flags;
  flags.config = "/nonexistent/corralctl.yaml";
  flags.server = "https://m:1";
  flags.token = "t";
  auto settings = resolve_settings(flags, fake_env({}), {});
  ASSERT_FALSE(settings.ok());
  EXPECT_TRUE(mentions(settings.status(), "/nonexistent/corralctl.yaml"));
}

TEST(Settings, MissingServerOrTokenSaysHowToSetIt) {
  ScratchDir dir;
  GlobalFlags flags;
  flags.config = dir.write("empty.yaml", "");
  auto no_server = resolve_settings(flags, fake_env({}), {});
  ASSERT_FALSE(no_server.ok());
  EXPECT_TRUE(mentions(no_server.status(), "no server"));
  EXPECT_TRUE(mentions(no_server.status(), "--server"));
  EXPECT_TRUE(mentions(no_server.status(), "CORRAL_SERVER"));

  flags.server = "https://m:1";
  auto no_token = resolve_settings(flags, fake_env({}), {});
  ASSERT_FALSE(no_token.ok());
  EXPECT_TRUE(mentions(no_token.status(), "no admin token"));
  EXPECT_TRUE(mentions(no_token.status(), "--token-file"));
  EXPECT_TRUE(mentions(no_token.status(), "CORRAL_TOKEN"));

  // Commands that need neither (version) resolve without them.
  auto none = resolve_settings(GlobalFlags{.config = flags.config}, fake_env({}), Needs{false, false});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->server, "");
}

TEST(Settings, ServerMustBeHttps) {
  GlobalFlags flags;  // the fake environment has no HOME, so no config file is read
  auto st = resolve_settings(flags, fake_env({{"CORRAL_SERVER", "http://m:1"}, {"CORRAL_TOKEN", "t"}}), {});
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(mentions(st.status(), "CORRAL_SERVER"));
  EXPECT_TRUE(mentions(st.status(), "https://"));
}

TEST(Settings, BadTokensAreRejectedWithoutShowingThem) {
  ScratchDir dir;
  GlobalFlags flags;
  flags.config = dir.write("empty.yaml", "");
  flags.server = "https://m:1";
  flags.token = "s3cret part2";
  auto spaced = resolve_settings(flags, fake_env({}), {});
  ASSERT_FALSE(spaced.ok());
  EXPECT_TRUE(mentions(spaced.status(), "whitespace"));
  EXPECT_FALSE(mentions(spaced.status(), "s3cret"));

  flags.token.reset();
  flags.token_file = dir.write("blank.token", "\n\n");
  auto blank = resolve_settings(flags, fake_env({}), {});
  ASSERT_FALSE(blank.ok());
  EXPECT_TRUE(mentions(blank.status(), "empty"));
}

TEST(Settings, CaCertMustBePem) {
  ScratchDir dir;
  GlobalFlags flags;
  flags.config = dir.write("empty.yaml", "");
  flags.server = "https://m:1";
  flags.token = "t";
  flags.ca_cert = dir.write("ca.der", "not a certificate");
  auto st = resolve_settings(flags, fake_env({}), {});
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(mentions(st.status(), "--ca-cert"));

  flags.ca_cert = dir.path() + "/missing.pem";
  auto missing = resolve_settings(flags, fake_env({}), {});
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(mentions(missing.status(), "missing.pem"));
}

TEST(ConfigFile, ParsesKnownKeys) {
  auto config = parse_config("server: https://m:8443\ntoken_file: /etc/corral/admin.token\nca_cert: ca.pem\n",
                             "/home/op/.config/corral/corralctl.yaml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->server, "https://m:8443");
  EXPECT_EQ(config->token_file, "/etc/corral/admin.token");
  EXPECT_EQ(config->ca_cert, "/home/op/.config/corral/ca.pem");
  EXPECT_FALSE(config->token.has_value());
}

TEST(ConfigFile, EmptyFileSetsNothing) {
  auto config = parse_config("# nothing yet\n", "c.yaml");
  ASSERT_TRUE(config.ok());
  EXPECT_FALSE(config->server.has_value());
}

TEST(ConfigFile, ErrorsNameTheKeyAndTheFile) {
  auto unknown = parse_config("server: https://m:1\nsevrer: x\n", "/etc/c.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), ErrorCode::invalid_argument);
  EXPECT_TRUE(mentions(unknown.status(), "'sevrer'"));
  EXPECT_TRUE(mentions(unknown.status(), "/etc/c.yaml"));

  auto nested = parse_config("server:\n  host: m\n", "c.yaml");
  ASSERT_FALSE(nested.ok());
  EXPECT_TRUE(mentions(nested.status(), "'server'"));

  auto no_value = parse_config("token:\n", "c.yaml");
  ASSERT_FALSE(no_value.ok());
  EXPECT_TRUE(mentions(no_value.status(), "'token'"));

  auto twice = parse_config("server: a\nserver: b\n", "c.yaml");
  ASSERT_FALSE(twice.ok());
  EXPECT_TRUE(mentions(twice.status(), "'server'"));

  auto list = parse_config("- server\n", "c.yaml");
  EXPECT_FALSE(list.ok());
}

TEST(ConfigFile, InvalidYamlIsAnErrorNotAnException) {
  auto config = parse_config("server: [unclosed\n", "c.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(mentions(config.status(), "c.yaml"));
}

}  // namespace
}  // namespace corral::cli
