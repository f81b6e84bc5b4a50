// Pools, servers and workspaces through the REST API with a real manager and a real corral-agent:
// a server created through the API, an agent enrolled with a join token bound to it (its first
// Welcome already carries the server's settings), a change of max sessions reaching the running
// agent, and both surviving an agent restart and a manager restart.
#include "tests/integration/harness/fleet_test.h"

namespace corral::testing {
namespace {

using namespace std::chrono_literals;

class CatalogTest : public FleetTest {
 protected:
  static std::string post(const ManagerUnderTest& m, const std::string& path, const std::string& body, int want = 201) {
    auto r = m.call("POST", path, body);
    EXPECT_TRUE(r.ok() && r->status == want) << path << ": " << (r.ok() ? r->body : r.status().message());
    return r.ok() ? r->body : "";
  }
  static std::string get(const ManagerUnderTest& m, const std::string& path) {
    auto r = m.call("GET", path);
    return r.ok() ? r->body : "";
  }
};

TEST_F(CatalogTest, AnAgentEnrolledForAServerGetsItsSettingsAndKeepsThemAcrossRestarts) {
  auto m = start_manager();
  std::string pool = json_string_field(post(*m, "/api/v1/pools", R"({"name":"east","type":"POOL_TYPE_SERVER"})"), "id");
  ASSERT_FALSE(pool.empty());
  std::string server = json_string_field(
      post(
          *m, "/api/v1/servers",
          R"({"poolId":")" + pool +
              R"(","hostname":"rdp-01","address":"10.0.0.1","maxSimultaneousSessionsPerServer":3,"labels":["os=win"]})"),
      "id");
  ASSERT_FALSE(server.empty());
  // A token for a server that does not exist is refused by path.
  EXPECT_NE(post(*m, "/api/v1/join-tokens", R"({"serverId":"nope"})", 400).find("/serverId"), std::string::npos);
  std::string token =
      json_string_field(post(*m, "/api/v1/join-tokens", R"({"serverId":")" + server + R"("})"), "token");
  ASSERT_FALSE(token.empty());

  // Its own --max-sessions 1 loses to the server's 3 from the first Welcome on.
  Process agent = start_agent(*m, work_, "a1", token, {"--max-sessions", "1"});
  ASSERT_TRUE(agent.wait_for_log("event=agent.welcome", 20s)) << agent.log();
  EXPECT_EQ(agent.count_in_log("server_id=" + server + " manager_version"), 1) << agent.log();
  EXPECT_EQ(agent.count_in_log("server_settings=true"), 1) << agent.log();
  std::string id = agent_id_from_log(agent);
  EXPECT_NE(get(*m, "/api/v1/servers/" + server).find(R"("agentId":")" + id + "\""), std::string::npos);
  ASSERT_TRUE(
      eventually([&] { return get(*m, "/api/v1/agents/" + id).find(R"("maxSessions":3)") != std::string::npos; }, 10s))
      << get(*m, "/api/v1/agents/" + id);

  post(*m, "/api/v1/workspaces", R"({"name":"desk","poolId":")" + pool + R"("})");
  auto refused = m->call("DELETE", "/api/v1/pools/" + pool);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 409);
  EXPECT_NE(refused->body.find("1 server, 1 workspace"), std::string::npos) << refused->body;

  // Changed while the agent runs: sent to it by command.
  std::string body =
      R"({"hostname":"rdp-01","address":"10.0.0.1","maxSimultaneousSessionsPerServer":5,"labels":["os=win"]})";
  auto put = m->call("PUT", "/api/v1/servers/" + server, body);
  ASSERT_TRUE(put.ok() && put->status == 200) << (put.ok() ? put->body : put.status().message());
  ASSERT_TRUE(
      eventually([&] { return get(*m, "/api/v1/agents/" + id).find(R"("maxSessions":5)") != std::string::npos; }, 10s))
      << get(*m, "/api/v1/agents/" + id) << agent.log();

  // The agent restarts with its own setting: the manager's wins again.
  ASSERT_EQ(agent.stop(), std::optional<int>(0)) << agent.log();
  Process again = start_agent(*m, work_, "a1", "", {"--max-sessions", "1"});
  ASSERT_TRUE(again.wait_for_log("server_settings=true", 20s)) << again.log();
  ASSERT_TRUE(
      eventually([&] { return get(*m, "/api/v1/agents/" + id).find(R"("maxSessions":5)") != std::string::npos; }, 10s))
      << get(*m, "/api/v1/agents/" + id);

  // And so does the manager.
  ASSERT_TRUE(m->restart()) << m->process().log();
  ASSERT_TRUE(m->process().wait_for_log("event=broker.loaded pools=1 servers=1 workspaces=1", 10s))
      << m->process().log();
  ASSERT_TRUE(eventually([&] { return m->agent_status(id) == "AGENT_STATUS_ONLINE"; }, 20s)) << again.log();
  // The manager counts the agent online at its Hello, before the agent logs the Welcome.
  EXPECT_TRUE(eventually([&] { return again.count_in_log("server_settings=true") == 2; }, 20s)) << again.log();
  EXPECT_NE(get(*m, "/api/v1/servers/" + server).find(R"("maxSimultaneousSessionsPerServer":5)"), std::string::npos);
}

}  // namespace
}  // namespace corral::testing
