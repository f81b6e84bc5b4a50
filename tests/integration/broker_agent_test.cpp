// The broker with a real manager and a real corral-agent, as far as it can be driven without its
// REST routes (a later step): the server an agent backs is written into the manager's store while
// the manager is stopped, then the manager's Welcome carries the server's settings, and the
// sessions the agent reports (prepared by hand through the agent command API, not placed) are
// recorded, counted across a manager restart and ended when the agent stops reporting them.
#include <filesystem>

#include "manager/store/sqlite_store.h"
#include "tests/integration/harness/fleet_test.h"

namespace corral::testing {
namespace {

using namespace std::chrono_literals;

class BrokerAgentTest : public FleetTest {
 protected:
  // Pool p1 with server s1 backed by AGENT_ID, as the API will create them.
  static void add_server(const ManagerUnderTest& m, const std::string& agent_id) {
    auto store = store::SqliteStore::open(m.data_dir() + "/corral.db");
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    store::PoolRecord pool;
    pool.id = "p1";
    pool.name = "east";
    pool.created_at = pool.updated_at = 1;
    ASSERT_TRUE((*store)->pools().insert(pool).ok());
    store::ServerRecord server;
    server.id = "s1";
    server.pool_id = "p1";
    server.hostname = "rdp-01";
    server.address = "10.0.0.1";
    server.agent_id = agent_id;
    server.max_sessions = 3;
    server.labels = {"os=win"};
    server.created_at = server.updated_at = 1;
    Status added = (*store)->servers().insert(server);
    ASSERT_TRUE(added.ok()) << added.to_string();
  }

  std::string send(const ManagerUnderTest& m, const std::string& agent_id, const std::string& command_json) {
    auto r = m.call("POST", "/api/v1/agents/" + agent_id + "/commands", R"({"command": )" + command_json + "}");
    EXPECT_TRUE(r.ok() && r->status == 202) << (r.ok() ? r->body : r.status().message());
    return r.ok() ? json_string_field(r->body, "commandId") : "";
  }

  static std::string agent_json(const ManagerUnderTest& m, const std::string& id) {
    auto a = m.call("GET", "/api/v1/agents/" + id);
    return a.ok() ? a->body : "";
  }
};

TEST_F(BrokerAgentTest, TheServersSettingsReachItsAgentAndReportedSessionsAreRecorded) {
  auto m = start_manager();
  Process agent = start_agent(*m, work_, "a1", m->create_join_token(), {"--max-sessions", "1"});
  ASSERT_TRUE(agent.wait_for_log("event=agent.welcome", 20s)) << agent.log();
  EXPECT_EQ(agent.count_in_log("server_settings=false"), 1) << "it backs no server yet\n" << agent.log();
  std::string id = agent_id_from_log(agent);
  ASSERT_EQ(agent.stop(), std::optional<int>(0)) << agent.log();
  ASSERT_TRUE(m->stop().has_value());
  add_server(*m, id);

  ASSERT_TRUE(m->start()) << m->process().log();
  Process& manager = m->process();
  ASSERT_TRUE(manager.wait_for_log("event=broker.loaded pools=1 servers=1", 10s)) << manager.log();
  // Restarted with its own --max-sessions 1: the manager's 3 wins, before the first report.
  Process again = start_agent(*m, work_, "a1", "", {"--max-sessions", "1"});
  ASSERT_TRUE(again.wait_for_log("server_id=s1", 20s)) << again.log();
  EXPECT_EQ(again.count_in_log("server_settings=true"), 1) << again.log();
  ASSERT_TRUE(eventually([&] { return agent_json(*m, id).find(R"("maxSessions":3)") != std::string::npos; }, 10s))
      << agent_json(*m, id);

  // Two sessions the broker did not place: more than the agent's own maximum of 1 allows.
  for (const char* session : {"hand-1", "hand-2"}) {
    std::string cmd =
        send(*m, id, std::string(R"({"prepareSession": {"sessionId": ")") + session + R"(", "user": "bob"}})");
    ASSERT_TRUE(manager.wait_for_log("command_id=" + cmd + " ok=true", 10s)) << manager.log();
  }
  ASSERT_TRUE(eventually([&] { return manager.count_in_log("event=broker.session_recorded") == 2; }, 10s))
      << manager.log();
  EXPECT_EQ(manager.count_in_log("agent_session_id=hand-1 origin=reported"), 1) << manager.log();

  // Counted across a manager restart.
  ASSERT_TRUE(m->restart()) << m->process().log();
  ASSERT_TRUE(m->process().wait_for_log("event=broker.loaded pools=1 servers=1 workspaces=0 sessions=2", 10s))
      << m->process().log();
  ASSERT_TRUE(eventually([&] { return m->agent_status(id) == "AGENT_STATUS_ONLINE"; }, 20s)) << again.log();

  // Logged off on the agent: it leaves the report, so the broker ends it (reason agent).
  std::string cmd = send(*m, id, R"({"logoffSession": {"sessionId": "hand-1"}})");
  ASSERT_TRUE(m->process().wait_for_log("command_id=" + cmd + " ok=true", 10s)) << m->process().log();
  ASSERT_TRUE(m->process().wait_for_log("event=broker.session_gone", 10s)) << m->process().log();
  EXPECT_TRUE(m->process().wait_for_log("reason=agent outcome=ended", 10s)) << m->process().log();
  EXPECT_EQ(m->process().count_in_log("event=broker.session_recorded"), 2)
      << "the sessions loaded at start are not recorded again\n"
      << m->process().log();
}

}  // namespace
}  // namespace corral::testing
