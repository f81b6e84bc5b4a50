// corralctl against a real manager: the commands an operator types.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/files.h"
#include "tests/integration/harness/fleet_test.h"

namespace corral::testing {
namespace {

using namespace std::chrono_literals;

class CorralctlTest : public FleetTest {
 protected:
  struct Run {
    int code = -1;
    std::string output;
  };
  // With `token` empty, the manager's first admin token (its admin.token file) is used.
  Run ctl(const ManagerUnderTest& m, const std::vector<std::string>& args, bool with_token = true,
          const std::string& token = "") {
    static int n = 0;
    std::string log = work_ + "/ctl-" + std::to_string(++n) + ".out";
    std::map<std::string, std::string> env = {
        {"CORRAL_SERVER", m.api_url()}, {"CORRAL_CA_CERT", m.data_dir() + "/ca.crt"}, {"HOME", work_}};
    if (with_token && token.empty()) env["CORRAL_TOKEN_FILE"] = m.data_dir() + "/admin.token";
    if (with_token && !token.empty()) env["CORRAL_TOKEN"] = token;
    Process p = Process::start(corralctl_binary(), args, log, env);
    Run r;
    r.code = p.wait_exit(30s).value_or(-1);
    r.output = p.log();
    return r;
  }
};

TEST_F(CorralctlTest, ListShowRevokeAndJoinTokens) {
  auto m = start_manager();
  Run token = ctl(*m, {"join-token", "create", "--label", "site=lab", "--json"});
  ASSERT_EQ(token.code, 0) << token.output;
  std::string t = json_string_field(token.output, "token");
  ASSERT_FALSE(t.empty()) << token.output;

  Process agent = start_agent(*m, work_, "host-one", t);
  ASSERT_TRUE(agent.wait_for_log("event=agent.welcome", 20s));
  std::string id = agent_id_from_log(agent);
  ASSERT_TRUE(eventually([&] { return m->agent_status(id) == "AGENT_STATUS_ONLINE"; }, 10s));

  Run list = ctl(*m, {"agents", "list"});
  ASSERT_EQ(list.code, 0) << list.output;
  EXPECT_NE(list.output.find("HOSTNAME"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("host-one"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("online"), std::string::npos) << list.output;

  // Filters and paging flags: a manager that pages filters; one that does not ignores the query
  // and answers everything at once. This agent matches, so it is listed by both.
  Run filtered =
      ctl(*m, {"agents", "list", "--status", "online", "--label", "site=lab", "--page-size", "10", "--limit", "5"});
  ASSERT_EQ(filtered.code, 0) << filtered.output;
  EXPECT_NE(filtered.output.find("host-one"), std::string::npos) << filtered.output;

  Run show = ctl(*m, {"agents", "show", id});
  ASSERT_EQ(show.code, 0) << show.output;
  EXPECT_NE(show.output.find("site"), std::string::npos) << show.output;

  Run revoke = ctl(*m, {"agents", "revoke", id});
  ASSERT_EQ(revoke.code, 0) << revoke.output;
  Run after = ctl(*m, {"agents", "list", "--json"});
  ASSERT_EQ(after.code, 0);
  EXPECT_NE(after.output.find("AGENT_STATUS_REVOKED"), std::string::npos) << after.output;
}

// An operator hands out a token for CI, lists tokens without seeing any secret, and revokes the
// first one; the revoked token is refused at once and the last token cannot be revoked.
TEST_F(CorralctlTest, AdminTokensAreCreatedListedAndRevoked) {
  auto m = start_manager();
  Run created = ctl(*m, {"admin-tokens", "create", "ci", "--json"});
  ASSERT_EQ(created.code, 0) << created.output;
  std::string ci = json_string_field(created.output, "token");
  std::string ci_id = json_string_field(created.output, "id");
  ASSERT_FALSE(ci.empty()) << created.output;

  Run as_ci = ctl(*m, {"agents", "list"}, true, ci);
  EXPECT_EQ(as_ci.code, 0) << as_ci.output;

  Run listed = ctl(*m, {"admin-tokens", "list"}, true, ci);
  ASSERT_EQ(listed.code, 0) << listed.output;
  EXPECT_NE(listed.output.find("initial"), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("ci"), std::string::npos) << listed.output;
  EXPECT_EQ(listed.output.find(ci.substr(ci.rfind('.') + 1)), std::string::npos) << "no secret in a listing";

  std::string initial = read_file(m->data_dir() + "/admin.token").value();
  std::string initial_id = initial.substr(5, initial.find('.', 5) - 5);
  Run revoked = ctl(*m, {"admin-tokens", "revoke", initial_id}, true, ci);
  ASSERT_EQ(revoked.code, 0) << revoked.output;
  Run refused = ctl(*m, {"agents", "list"});
  EXPECT_EQ(refused.code, 1) << refused.output;
  EXPECT_NE(refused.output.find("401"), std::string::npos) << refused.output;

  Run last = ctl(*m, {"admin-tokens", "revoke", ci_id}, true, ci);
  EXPECT_EQ(last.code, 1) << last.output;
  EXPECT_NE(last.output.find("409"), std::string::npos) << last.output;
  EXPECT_EQ(ctl(*m, {"agents", "list"}, true, ci).code, 0) << "the last token still works";
}

TEST_F(CorralctlTest, ErrorsGoToStderrWithNonZeroExitAndNoSecrets) {
  auto m = start_manager();
  Run missing = ctl(*m, {"agents", "show", "no-such-agent"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.output.find("corralctl:"), std::string::npos) << missing.output;
  EXPECT_NE(missing.output.find("404"), std::string::npos) << missing.output;

  Run no_token = ctl(*m, {"agents", "list"}, /*with_token=*/false);
  EXPECT_NE(no_token.code, 0);
  EXPECT_NE(no_token.output.find("token"), std::string::npos) << no_token.output;

  Run usage = ctl(*m, {"agents", "frobnicate"});
  EXPECT_EQ(usage.code, 2) << usage.output;
  EXPECT_EQ(usage.output.find(m->admin_token()), std::string::npos);
}

}  // namespace
}  // namespace corral::testing

namespace corral::testing {
namespace {

TEST_F(CorralctlTest, PluginsAndProviderConfigs) {
  std::string dir = work_ + "/plugins";
  std::filesystem::create_directories(dir);
  ::chmod(dir.c_str(), 0755);
  std::filesystem::copy_file(CORRAL_MEMORY_PLUGIN, dir + "/memory.so");
  ::chmod((dir + "/memory.so").c_str(), 0755);
  auto m = start_manager("m", "plugins:\n  user: nobody\n  dir: " + dir + "\n  load:\n    - file: memory.so\n");

  Run plugins = ctl(*m, {"plugins", "list"});
  ASSERT_EQ(plugins.code, 0) << plugins.output;
  EXPECT_NE(plugins.output.find("memory"), std::string::npos) << plugins.output;
  EXPECT_NE(plugins.output.find("process"), std::string::npos) << plugins.output;

  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(work_ + "/" + name) << text;
    return work_ + "/" + name;
  };
  std::string good =
      write("good.json", R"({"name":"dev","plugin":"memory","config":{"capacity":3,"api_key":"hunter2-secret"},
    "startupScriptTemplate":"corral-agent --join-token {join_token}","maxInstances":2})");
  Run created = ctl(*m, {"provider-configs", "create", "--file", good});
  ASSERT_EQ(created.code, 0) << created.output;
  EXPECT_NE(created.output.find("provider config dev created"), std::string::npos) << created.output;

  Run bad =
      ctl(*m, {"provider-configs", "create", "--file",
               write("bad.json",
                     R"({"name":"x","plugin":"memory","config":{"capacity":0},"startupScriptTemplate":"{nope}"})")});
  EXPECT_EQ(bad.code, 1) << bad.output;
  EXPECT_NE(bad.output.find("/config/capacity: must be >= 1, got 0"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("unknown variable 'nope'"), std::string::npos) << bad.output;

  Run list = ctl(*m, {"provider-configs", "list"});
  ASSERT_EQ(list.code, 0) << list.output;
  EXPECT_NE(list.output.find("dev   memory"), std::string::npos) << list.output;
  EXPECT_EQ(list.output.find("x   "), std::string::npos) << "the refused config must not be listed";

  Run shown = ctl(*m, {"provider-configs", "show", "dev"});
  ASSERT_EQ(shown.code, 0) << shown.output;
  EXPECT_NE(shown.output.find("[redacted]"), std::string::npos) << shown.output;
  EXPECT_EQ(shown.output.find("hunter2"), std::string::npos) << shown.output;
  std::string id = json_string_field(shown.output, "id");
  ASSERT_FALSE(id.empty()) << shown.output;

  Run updated = ctl(
      *m, {"provider-configs", "update", id, "--file",
           write("update.json",
                 R"({"config":{"capacity":9,"api_key":"[redacted]"},"startupScriptTemplate":"x","maxInstances":5})")});
  ASSERT_EQ(updated.code, 0) << updated.output;
  EXPECT_NE(updated.output.find("revision 2"), std::string::npos) << updated.output;

  Run usage = ctl(*m, {"provider-configs", "create"});
  EXPECT_EQ(usage.code, 2) << usage.output;
  EXPECT_NE(usage.output.find("--file is required"), std::string::npos) << usage.output;

  Run deleted = ctl(*m, {"provider-configs", "delete", id});
  ASSERT_EQ(deleted.code, 0) << deleted.output;
  EXPECT_NE(deleted.output.find("provider config dev (" + id + ") deleted"), std::string::npos) << deleted.output;
  EXPECT_EQ(ctl(*m, {"provider-configs", "show", id}).code, 1);
}

}  // namespace
}  // namespace corral::testing
