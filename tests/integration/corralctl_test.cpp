// corralctl against a real manager: the commands an operator types.
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
  Run ctl(const ManagerUnderTest& m, const std::vector<std::string>& args, bool with_token = true) {
    static int n = 0;
    std::string log = work_ + "/ctl-" + std::to_string(++n) + ".out";
    std::map<std::string, std::string> env = {{"CORRAL_SERVER", m.api_url()},
                                              {"CORRAL_CA_CERT", m.data_dir() + "/ca.crt"},
                                              {"HOME", work_}};
    if (with_token) env["CORRAL_TOKEN_FILE"] = m.data_dir() + "/admin.token";
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

  Run show = ctl(*m, {"agents", "show", id});
  ASSERT_EQ(show.code, 0) << show.output;
  EXPECT_NE(show.output.find("site"), std::string::npos) << show.output;

  Run revoke = ctl(*m, {"agents", "revoke", id});
  ASSERT_EQ(revoke.code, 0) << revoke.output;
  Run after = ctl(*m, {"agents", "list", "--json"});
  ASSERT_EQ(after.code, 0);
  EXPECT_NE(after.output.find("AGENT_STATUS_REVOKED"), std::string::npos) << after.output;
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
