#include "cli/run.h"

#include <gtest/gtest.h>

#include <sstream>

#include "fakes.h"

namespace corral::cli {
namespace {

using testing::Harness;
using testing::kToken;
using testing::response;

TEST(Run, HelpGoesToStdout) {
  Harness h;
  EXPECT_EQ(h.run({"--help"}), kExitOk);
  EXPECT_EQ(h.out.str().find("corralctl: manage a Corral fleet"), 0u) << h.out.str();
  EXPECT_NE(h.out.str().find("\n  agents "), std::string::npos) << h.out.str();
  EXPECT_NE(h.out.str().find("--token-file FILE"), std::string::npos) << h.out.str();
  EXPECT_TRUE(h.fake.requests.empty());
}

TEST(Run, UsageErrorExitsTwoAndSendsNothing) {
  Harness h;
  EXPECT_EQ(h.run({"agents", "list", "--frobnicate"}), kExitUsage);
  EXPECT_EQ(h.err.str(), "corralctl: unknown flag --frobnicate for 'agents list' (see corralctl agents list --help)\n");
  EXPECT_EQ(h.out.str(), "");
  EXPECT_TRUE(h.fake.requests.empty());
}

TEST(Run, HelpAndCompletionReadNoSettings) {
  Harness h;
  h.env = {{"CORRAL_CONFIG_IS_NOT_READ", "x"}, {"XDG_CONFIG_HOME", "/nonexistent-dir-for-corralctl-test"}};
  EXPECT_EQ(h.run({"--config", "/nonexistent/corralctl.yaml", "completion", "bash"}), kExitOk) << h.err.str();
  EXPECT_NE(h.out.str().find("complete -F _corralctl corralctl"), std::string::npos);
  EXPECT_EQ(h.run({"--config", "/nonexistent/corralctl.yaml", "help", "agents", "list"}), kExitOk) << h.err.str();
  EXPECT_TRUE(h.fake.requests.empty());
}

TEST(Run, MissingSettingsExitTwo) {
  Harness h;
  h.env.clear();
  EXPECT_EQ(h.run({"agents", "list"}), kExitUsage);
  EXPECT_NE(h.err.str().find("corralctl: no server set"), std::string::npos) << h.err.str();
}

TEST(Run, AgentsListPrintsATable) {
  Harness h;
  h.fake.answers.push_back(response(
      200,
      R"({"agents":[{"id":"a1","hostname":"web","status":"AGENT_STATUS_MISSING","lastSeen":"2023-11-14T22:12:20Z"}]})"));
  EXPECT_EQ(h.run({"agents", "list"}), kExitOk);
  EXPECT_EQ(h.out.str(),
            "ID  HOSTNAME  STATUS   OS  VERSION  SESSIONS  LAST SEEN\n"
            "a1  web       missing  -   -        -         1m ago\n");
  EXPECT_EQ(h.err.str(), "");
}

TEST(Run, JsonPrintsTheApiAnswerPretty) {
  Harness h;
  h.fake.answers.push_back(response(200, R"({"agents":[{"id":"a1","newField":"x"}]})"
                                         "\n"));
  EXPECT_EQ(h.run({"--json", "agents", "list"}), kExitOk);
  EXPECT_EQ(h.out.str(),
            "{\n  \"agents\": [\n    {\n      \"id\": \"a1\",\n      \"newField\": \"x\"\n    }\n  ]\n}\n");
}

TEST(Run, ApiErrorExitsOneWithCodeAndReason) {
  Harness h;
  h.fake.answers.push_back(response(404, R"({"code":404,"reason":"not_found","message":"no agent a9"})"));
  EXPECT_EQ(h.run({"agents", "show", "a9"}), kExitApiError);
  EXPECT_EQ(h.err.str(), "corralctl: no agent a9 (HTTP 404 not_found)\n");
  EXPECT_EQ(h.out.str(), "");
}

TEST(Run, TransportErrorExitsOneWithoutTheToken) {
  Harness h;
  h.fake.answers.push_back(
      error(ErrorCode::unavailable, "GET https://m.test:8443/api/v1/agents: Failed to connect: Connection refused"));
  EXPECT_EQ(h.run({"agents", "list"}), kExitApiError);
  EXPECT_NE(h.err.str().find("corralctl: cannot reach the manager"), std::string::npos) << h.err.str();
  EXPECT_EQ(h.err.str().find(kToken), std::string::npos);
}

TEST(Run, JoinTokenCreateSendsTheRequestAndShowsTheSecret) {
  Harness h;
  h.fake.answers.push_back(response(
      201, R"({"id":"jt-1","token":"cjt.secret","expiresAt":"2023-11-14T23:13:20Z","labels":{"env":"prod"}})"));
  EXPECT_EQ(h.run({"join-token", "create", "--ttl", "3600", "--label", "env=prod"}), kExitOk);
  ASSERT_EQ(h.fake.requests.size(), 1u);
  EXPECT_EQ(h.fake.requests[0].body, R"({"ttlSeconds":3600,"labels":{"env":"prod"}})");
  EXPECT_NE(h.out.str().find("token:   cjt.secret\n"), std::string::npos) << h.out.str();
  EXPECT_NE(h.out.str().find("expires: 2023-11-14T23:13:20Z (in 1h)\n"), std::string::npos) << h.out.str();
  EXPECT_NE(h.err.str().find("not show it again"), std::string::npos);
}

TEST(Run, AgentsCommandPrintsTheCommandId) {
  Harness h;
  h.fake.answers.push_back(response(202, R"({"commandId":"c-1"})"));
  EXPECT_EQ(h.run({"agents", "command", "a1", "undrain"}), kExitOk);
  ASSERT_EQ(h.fake.requests.size(), 1u);
  EXPECT_EQ(h.fake.requests[0].body, R"({"command":{"drain":{}}})");  // enabled=false is the default
  EXPECT_EQ(h.out.str(), "command c-1 sent to agent a1\n");
}

TEST(Run, RevokePrintsTheAgent) {
  Harness h;
  h.fake.answers.push_back(response(200, R"({"id":"a1","hostname":"web","status":"AGENT_STATUS_REVOKED"})"));
  EXPECT_EQ(h.run({"agents", "revoke", "a1"}), kExitOk);
  EXPECT_EQ(h.fake.requests[0].method, "DELETE");
  EXPECT_EQ(h.out.str(), "agent a1 (web) revoked\n");
}

TEST(Run, VersionNeedsNoConfiguration) {
  Harness h;
  h.env.clear();
  EXPECT_EQ(h.run({"version"}), kExitOk);
  EXPECT_EQ(h.out.str().rfind("client: ", 0), 0u);
  EXPECT_TRUE(h.fake.requests.empty());
}

TEST(Run, VersionAsksTheServerWhenOneIsSet) {
  Harness h;
  h.env.erase("CORRAL_TOKEN");
  h.fake.answers.push_back(response(200, R"({"status":"ok","version":"9.9.9","agentsConnected":3})"));
  EXPECT_EQ(h.run({"version"}), kExitOk);
  EXPECT_NE(h.out.str().find("server: 9.9.9 (ok, 3 agents connected)\n"), std::string::npos) << h.out.str();
  ASSERT_EQ(h.fake.requests.size(), 1u);
  EXPECT_EQ(h.fake.requests[0].url, "https://m.test:8443/healthz");
}

}  // namespace
}  // namespace corral::cli
