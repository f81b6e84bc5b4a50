// Sessions on a real agent, driven through the manager's command API as the broker will drive
// them: PrepareSession and LogoffSession reach corral-agent's managed backend, its answers and
// capacity reports come back to GET /api/v1/agents/{id}, and its table survives a restart.
#include <filesystem>
#include <fstream>

#include "tests/integration/harness/fleet_test.h"

namespace corral::testing {
namespace {

using namespace std::chrono_literals;

class AgentSessionsTest : public FleetTest {
 protected:
  // POSTs COMMAND_JSON to the agent and returns the command id the manager gave it.
  std::string send(const ManagerUnderTest& m, const std::string& agent_id, const std::string& command_json) {
    auto r = m.call("POST", "/api/v1/agents/" + agent_id + "/commands", R"({"command": )" + command_json + "}");
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return "";
    EXPECT_EQ(r->status, 202) << r->body;
    return json_string_field(r->body, "commandId");
  }

  static std::string prepare(const std::string& session, const std::string& user) {
    return R"({"prepareSession": {"sessionId": ")" + session + R"(", "user": ")" + user +
           R"(", "workspaceId": "ws-1"}})";
  }

  static std::string agent_json(const ManagerUnderTest& m, const std::string& id) {
    auto a = m.call("GET", "/api/v1/agents/" + id);
    return a.ok() ? a->body : "";
  }
};

TEST_F(AgentSessionsTest, PrepareAndLogoffThroughTheCommandApi) {
  auto m = start_manager();
  Process agent = start_agent(*m, work_, "a1", m->create_join_token(), {"--max-sessions", "1"});
  ASSERT_TRUE(agent.wait_for_log("event=agent.welcome", 20s)) << agent.log();
  std::string id = agent_id_from_log(agent);
  Process& manager = m->process();

  std::string cmd = send(*m, id, prepare("s1", "alice"));
  ASSERT_TRUE(manager.wait_for_log("command_id=" + cmd + " ok=true", 10s)) << manager.log();
  ASSERT_TRUE(eventually(
      [&] {
        std::string body = agent_json(*m, id);
        return body.find(R"("id":"s1")") != std::string::npos &&
               body.find(R"("state":"SESSION_STATE_ACTIVE")") != std::string::npos &&
               body.find(R"("backend":"BACKEND_KIND_MANAGED")") != std::string::npos &&
               body.find(R"("workspaceId":"ws-1")") != std::string::npos;
      },
      10s))
      << agent_json(*m, id);

  // One session is its maximum: a second is refused, with a reason the manager can act on.
  cmd = send(*m, id, prepare("s2", "bob"));
  ASSERT_TRUE(manager.wait_for_log("command_id=" + cmd + " ok=false", 10s)) << manager.log();
  EXPECT_TRUE(
      agent.wait_for_log("command_id=" + cmd + " action=prepare_session ok=false failure=COMMAND_FAILURE_FULL", 10s))
      << agent.log();

  // The table is on disk: a restarted agent still holds s1, so s2 is still refused and s1 is
  // still a repeat.
  ASSERT_EQ(agent.stop(), std::optional<int>(0)) << agent.log();
  Process again = start_agent(*m, work_, "a1", "", {"--max-sessions", "1"});
  ASSERT_TRUE(eventually([&] { return again.count_in_log("event=agent.welcome") == 2; }, 20s)) << again.log();
  EXPECT_EQ(again.count_in_log(" sessions=1"), 1) << "agent.started counts the sessions it loaded\n" << again.log();
  cmd = send(*m, id, prepare("s1", "alice"));
  ASSERT_TRUE(manager.wait_for_log("command_id=" + cmd + " ok=true message=\"already prepared\"", 10s))
      << manager.log();
  cmd = send(*m, id, prepare("s2", "bob"));
  ASSERT_TRUE(manager.wait_for_log("command_id=" + cmd + " ok=false", 10s)) << manager.log();

  cmd = send(*m, id, R"({"logoffSession": {"sessionId": "s1"}})");
  ASSERT_TRUE(manager.wait_for_log("command_id=" + cmd + " ok=true", 10s)) << manager.log();
  EXPECT_TRUE(eventually([&] { return agent_json(*m, id).find(R"("id":"s1")") == std::string::npos; }, 10s))
      << agent_json(*m, id);

  // Logging it off again finds nothing to end.
  cmd = send(*m, id, R"({"logoffSession": {"sessionId": "s1"}})");
  ASSERT_TRUE(manager.wait_for_log("command_id=" + cmd + " ok=false", 10s)) << manager.log();
  EXPECT_TRUE(again.wait_for_log("command_id=" + cmd +
                                     " action=logoff_session ok=false "
                                     "failure=COMMAND_FAILURE_UNKNOWN_SESSION",
                                 10s))
      << again.log();
}

TEST_F(AgentSessionsTest, ADamagedSessionTableStopsTheAgent) {
  auto m = start_manager();
  Process agent = start_agent(*m, work_, "a1", m->create_join_token());
  ASSERT_TRUE(agent.wait_for_log("event=agent.welcome", 20s)) << agent.log();
  ASSERT_EQ(agent.stop(), std::optional<int>(0)) << agent.log();

  std::string table = work_ + "/a1/sessions.json";
  {
    std::ofstream out(table);
    out << R"({"sessions": [{"id": "s1", "user": "alice")";  // cut short
  }
  Process again = start_agent(*m, work_, "a1", "");
  EXPECT_EQ(again.wait_exit(20s), std::optional<int>(1)) << again.log();
  EXPECT_EQ(again.count_in_log("event=agent.data_dir_unusable"), 1) << again.log();
  EXPECT_NE(again.log().find(table + ": "), std::string::npos) << "the error names the file\n" << again.log();
  EXPECT_TRUE(std::filesystem::exists(table)) << "kept for the operator";
}

}  // namespace
}  // namespace corral::testing
