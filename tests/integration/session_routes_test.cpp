// /api/v1/sessions with a real manager and a real corral-agent: a session placed through REST is
// answered once reserved, confirmed by the agent, handed out as an .rdp file through the pool's
// gateway, ended (and logged off on the agent); a full pool answers 503 with its counts. The
// pool, server and workspace are written into the stopped manager's store: their routes are not
// part of this test.
#include <google/protobuf/util/json_util.h>

#include "common/text.h"
#include "corral/api/v1/api.pb.h"
#include "corral/broker/v1/broker.pb.h"
#include "manager/store/sqlite_store.h"
#include "tests/integration/harness/fleet_test.h"

namespace corral::testing {
namespace {

using namespace std::chrono_literals;
namespace brokerv1 = corral::broker::v1;

class SessionRoutesTest : public FleetTest {
 protected:
  // Pool "east" (gateway gw.example.com:8443) with one RDP server taking one session, backed by
  // AGENT_ID, and workspace "desk" on it.
  static void add_world(const ManagerUnderTest& m, const std::string& agent_id) {
    auto store = store::SqliteStore::open(m.data_dir() + "/corral.db");
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    store::PoolRecord pool;
    pool.id = "p1";
    pool.name = "east";
    pool.rd_gateway = {"gw.example.com", 8443};
    pool.created_at = pool.updated_at = 1;
    ASSERT_TRUE((*store)->pools().insert(pool).ok());
    store::ServerRecord server;
    server.id = "s1";
    server.pool_id = "p1";
    server.hostname = "rdp-01";
    server.address = "10.0.0.1";
    server.connection_username = "CORP\\{sso_username}";
    server.agent_id = agent_id;
    server.max_sessions = 1;
    server.created_at = server.updated_at = 1;
    Status added = (*store)->servers().insert(server);
    ASSERT_TRUE(added.ok()) << added.to_string();
    store::WorkspaceRecord workspace;
    workspace.id = "w1";
    workspace.name = "desk";
    workspace.pool_id = "p1";
    workspace.created_at = workspace.updated_at = 1;
    added = (*store)->workspaces().insert(workspace);
    ASSERT_TRUE(added.ok()) << added.to_string();
  }

  template <typename Message>
  static Message parse(const std::string& json) {
    Message m;
    auto s = google::protobuf::util::JsonStringToMessage(json, &m);
    EXPECT_TRUE(s.ok()) << s.message() << "\n" << json;
    return m;
  }

  static std::string header(const http::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (ascii_iequals(k, name)) return v;
    }
    return "";
  }

  static http::Response must(Result<http::Response> r) {
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : http::Response{};
  }

  static brokerv1::Session session(const ManagerUnderTest& m, const std::string& id) {
    return parse<brokerv1::Session>(must(m.call("GET", "/api/v1/sessions/" + id)).body);
  }
};

TEST_F(SessionRoutesTest, PlaceConfirmConnectEndAndRefuseWhenFull) {
  auto m = start_manager();
  Process agent = start_agent(*m, work_, "a1", m->create_join_token());
  ASSERT_TRUE(agent.wait_for_log("event=agent.welcome", 20s)) << agent.log();
  std::string agent_id = agent_id_from_log(agent);
  ASSERT_EQ(agent.stop(), std::optional<int>(0)) << agent.log();
  ASSERT_TRUE(m->stop().has_value());
  add_world(*m, agent_id);
  ASSERT_TRUE(m->start()) << m->process().log();
  ASSERT_TRUE(m->process().wait_for_log("event=broker.loaded pools=1 servers=1 workspaces=1", 10s))
      << m->process().log();
  Process again = start_agent(*m, work_, "a1", "");
  ASSERT_TRUE(again.wait_for_log("server_id=s1", 20s)) << again.log();
  ASSERT_TRUE(eventually([&] { return m->agent_status(agent_id) == "AGENT_STATUS_ONLINE"; }, 20s)) << again.log();

  // Refused before anything is placed.
  http::Response r = must(m->call("POST", "/api/v1/sessions", R"({"workspace": "desk", "user": "a", "pool": "p1"})"));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("pool"), std::string::npos) << r.body;
  r = must(m->call("POST", "/api/v1/sessions", R"({"workspace": "nowhere", "user": "alice"})"));
  EXPECT_EQ(r.status, 404) << r.body;
  r = must(m->call("POST", "/api/v1/sessions", R"({"workspace": "desk"})"));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find(R"("path":"/user")"), std::string::npos) << r.body;

  // Placed by workspace name: answered reserved, with where to connect.
  r = must(m->call("POST", "/api/v1/sessions", R"({"workspace": "desk", "user": "alice"})"));
  ASSERT_EQ(r.status, 201) << r.body;
  auto created = parse<brokerv1::CreateSessionResponse>(r.body);
  const std::string id = created.session().id();
  EXPECT_EQ(header(r, "Location"), "/api/v1/sessions/" + id);
  EXPECT_EQ(created.session().state(), brokerv1::SESSION_STATE_RESERVED);
  EXPECT_EQ(created.session().workspace_id(), "w1");
  EXPECT_EQ(created.session().server_id(), "s1");
  EXPECT_EQ(created.session().user(), "alice");
  EXPECT_EQ(created.connection().address(), "10.0.0.1");
  EXPECT_EQ(created.connection().port(), 3389u);
  EXPECT_EQ(created.connection().connection_type(), brokerv1::CONNECTION_TYPE_RDP);
  EXPECT_EQ(created.connection().username(), "CORP\\alice");
  EXPECT_FALSE(created.connection().password_stored());

  // The agent prepares it and reports it: active.
  ASSERT_TRUE(again.wait_for_log("event=agent.session_prepared", 20s)) << again.log();
  ASSERT_TRUE(eventually([&] { return session(*m, id).state() == brokerv1::SESSION_STATE_ACTIVE; }, 20s))
      << m->process().log();

  r = must(m->call("GET", "/api/v1/sessions/" + id + "/connection.rdp"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/x-rdp");
  EXPECT_EQ(header(r, "Content-Disposition"), R"(attachment; filename="rdp-01.rdp")");
  EXPECT_EQ(r.body,
            "full address:s:10.0.0.1:3389\r\n"
            "server port:i:3389\r\n"
            "username:s:CORP\\alice\r\n"
            "gatewayhostname:s:gw.example.com:8443\r\n"
            "gatewayusagemethod:i:1\r\n"
            "gatewayprofileusagemethod:i:1\r\n"
            "gatewaycredentialssource:i:0\r\n");

  // The only slot is taken.
  r = must(m->call("POST", "/api/v1/sessions", R"({"workspace": "w1", "user": "bob"})"));
  ASSERT_EQ(r.status, 503) << r.body;
  auto full = parse<corral::api::v1::Error>(r.body);
  EXPECT_EQ(full.reason(), "pool_full");
  EXPECT_EQ(full.message(), "pool east has no free slot: 1 ready, 0 provisioning, 0 draining");
  EXPECT_EQ(full.pool_status().pool_id(), "p1");
  EXPECT_EQ(full.pool_status().ready(), 1u);
  EXPECT_EQ(full.pool_status().provisioning(), 0u);
  EXPECT_EQ(full.pool_status().draining(), 0u);

  // Lists and filters.
  auto listed = parse<brokerv1::ListSessionsResponse>(
      must(m->call("GET", "/api/v1/sessions?state=active&poolId=p1&serverId=s1&workspaceId=w1&user=alice")).body);
  ASSERT_EQ(listed.sessions_size(), 1);
  EXPECT_EQ(listed.sessions(0).id(), id);
  listed = parse<brokerv1::ListSessionsResponse>(must(m->call("GET", "/api/v1/sessions?user=bob")).body);
  EXPECT_EQ(listed.sessions_size(), 0);
  r = must(m->call("GET", "/api/v1/sessions?state=running"));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("state"), std::string::npos) << r.body;

  // Ended by an admin: committed, answered ended, logged off on the agent; its slot is free again.
  r = must(m->call("DELETE", "/api/v1/sessions/" + id));
  ASSERT_EQ(r.status, 200) << r.body;
  auto ended = parse<brokerv1::Session>(r.body);
  EXPECT_EQ(ended.state(), brokerv1::SESSION_STATE_ENDED);
  EXPECT_EQ(ended.end_reason(), brokerv1::SESSION_END_REASON_ADMIN);
  EXPECT_TRUE(again.wait_for_log("event=agent.session_ended session_id=" + id + " reason=logoff", 20s)) << again.log();
  r = must(m->call("DELETE", "/api/v1/sessions/" + id + "?reason=user"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse<brokerv1::Session>(r.body).end_reason(), brokerv1::SESSION_END_REASON_ADMIN) << "the first end stays";
  EXPECT_EQ(must(m->call("GET", "/api/v1/sessions/" + id + "/connection.rdp")).status, 409);
  EXPECT_EQ(must(m->call("DELETE", "/api/v1/sessions/no-such-session")).status, 404);
  EXPECT_EQ(must(m->call("GET", "/api/v1/sessions/no-such-session")).status, 404);

  r = must(m->call("POST", "/api/v1/sessions", R"({"workspace": "w1", "user": "bob"})"));
  EXPECT_EQ(r.status, 201) << r.body;
}

}  // namespace
}  // namespace corral::testing
