#include "agent/args.h"

#include <gtest/gtest.h>

namespace corral::agent {
namespace {

Result<AgentArgs> parse(std::vector<std::string> args) { return parse_args(args); }

TEST(AgentArgs, ParsesEveryFlag) {
  auto a = parse({"--data-dir",  "/d",     "--manager", "https://m:8443", "--join-token",   "tok",
                  "--ca-cert",   "ca.pem", "--config",  "agent.yaml",     "--max-sessions", "7",
                  "--label",     "zone=a", "--label",   "gpu=",           "--hostname",     "h1",
                  "--log-level", "debug"});
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->data_dir, "/d");
  EXPECT_EQ(a->manager_url, "https://m:8443");
  EXPECT_EQ(a->join_token, "tok");
  EXPECT_EQ(a->ca_cert_file, "ca.pem");
  EXPECT_EQ(a->config_file, "agent.yaml");
  EXPECT_EQ(a->max_sessions, 7u);
  ASSERT_EQ(a->labels.size(), 2u);
  EXPECT_EQ(a->labels[0], (std::pair<std::string, std::string>{"zone", "a"}));
  EXPECT_EQ(a->labels[1], (std::pair<std::string, std::string>{"gpu", ""}));
  EXPECT_EQ(a->hostname, "h1");
  EXPECT_EQ(a->log_level, "debug");
}

TEST(AgentArgs, AcceptsFlagEqualsValue) {
  auto a = parse({"--data-dir=/d", "--label=k=v=w", "--max-sessions=0"});
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->data_dir, "/d");
  EXPECT_EQ(a->labels[0], (std::pair<std::string, std::string>{"k", "v=w"}));
  EXPECT_EQ(a->max_sessions, 0u);
}

TEST(AgentArgs, DataDirIsRequiredExceptForHelpAndVersion) {
  EXPECT_EQ(parse({}).status().message(), "--data-dir is required");
  EXPECT_TRUE(parse({"--help"}).ok());
  EXPECT_TRUE(parse({"--version"}).ok());
}

TEST(AgentArgs, ErrorsNameTheFlagButNeverTheToken) {
  auto missing = parse({"--data-dir", "/d", "--join-token"});
  EXPECT_EQ(missing.status().message(), "--join-token needs a value");
  auto twice = parse({"--data-dir", "/d", "--join-token", "s3cret", "--join-token", "other"});
  EXPECT_EQ(twice.status().message(), "--join-token given twice");
  auto unknown = parse({"--data-dir", "/d", "--join-tokn=s3cret"});
  EXPECT_EQ(unknown.status().message(), "unknown argument '--join-tokn'");
}

TEST(AgentArgs, TokenFlagAndTokenFileAreExclusive) {
  auto a = parse({"--data-dir", "/d", "--join-token", "t", "--join-token-file", "f"});
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("give the join token once"), std::string::npos);
}

TEST(AgentArgs, RejectsBadValues) {
  EXPECT_FALSE(parse({"--data-dir", "/d", "--max-sessions", "-1"}).ok());
  EXPECT_FALSE(parse({"--data-dir", "/d", "--max-sessions", "4294967296"}).ok());
  EXPECT_FALSE(parse({"--data-dir", "/d", "--max-sessions", "2x"}).ok());
  EXPECT_FALSE(parse({"--data-dir", "/d", "--label", "novalue"}).ok());
  EXPECT_FALSE(parse({"--data-dir", "/d", "--label", "=v"}).ok());
  EXPECT_FALSE(parse({"--data-dir", ""}).ok());
  EXPECT_FALSE(parse({"--data-dir", "/d", "--hostname", ""}).ok());
}

TEST(AgentArgs, RefusesAHostnameWithControlCharactersNamingTheFlag) {
  auto a = parse({"--data-dir", "/d", "--hostname", "web\x1b[2J01"});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().message(), "--hostname contains control character U+001B (at byte 3)");
}

}  // namespace
}  // namespace corral::agent
