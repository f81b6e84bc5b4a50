// /api/v1/pools, /servers and /workspaces through ApiServer on a real broker, store and agent
// registry (agents played by hand): a change made through the API is committed, placeable at
// once, sent to the server's agent and in its next Welcome; bad requests get every problem with
// its path; deletes that would orphan something are refused with the reason.
#include <google/protobuf/util/json_util.h>

#include "common/files.h"
#include "corral/broker/v1/broker.pb.h"
#include "corral/broker/v1/events.pb.h"
#include "manager/api/admin_auth.h"
#include "manager/api/api_server.h"
#include "manager/api/routes.h"
#include "tests/unit/manager/broker/broker_fixture.h"

namespace corral::broker::testing {
namespace {

namespace bv1 = corral::broker::v1;
using manager::HttpRequest;
using manager::HttpResponse;

class CatalogRoutesTest : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    auth_ = std::make_unique<manager::AdminAuth>();
    const std::string token_file = dir_.file("admin.token");
    ASSERT_TRUE(auth_->initialize(*store_, token_file, clock_).ok());
    bearer_ = "Bearer " + read_file(token_file).value().substr(0, read_file(token_file).value().find('\n'));
    routes_up();
  }
  void TearDown() override {
    api_.reset();
    BrokerTest::TearDown();
  }
  // After start() (a manager restart), the routes need the new broker.
  void routes_up() {
    manager::api::Router routes;
    manager::api::add_pool_routes(routes, *broker_, core_->store(), clock_);
    manager::api::add_server_routes(routes, *broker_, core_->store(), secrets_, clock_);
    manager::api::add_workspace_routes(routes, *broker_, core_->store(), clock_);
    manager::api::add_event_routes(routes, core_->store());
    api_ = std::make_unique<manager::ApiServer>(std::move(routes), *auth_, users_);
  }

  HttpResponse call(const std::string& method, const std::string& target, const std::string& body = "",
                    const std::string& if_match = "") {
    HttpRequest r;
    r.method = method;
    size_t q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.body = body;
    r.if_match = if_match;
    r.authorization = bearer_;
    r.peer_address = "127.0.0.1";
    std::optional<HttpResponse> out;
    api_->handle(r, [&](HttpResponse got) { out = std::move(got); });
    core_->drain();
    EXPECT_TRUE(out.has_value()) << method << " " << target << " was not answered";
    return out.value_or(HttpResponse{});
  }

  template <typename Message>
  Message parsed(const HttpResponse& r) {
    Message m;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &m).ok()) << r.body;
    return m;
  }

  // An agent enrolled while the manager runs (the registry loaded the others at start).
  void enroll_now(const std::string& agent_id) {
    add_agent(agent_id);
    registry_->add_enrolled(store_->agents().get(agent_id).value().value());
  }

  std::string create_pool(const std::string& name, const std::string& type = "POOL_TYPE_SERVER") {
    HttpResponse r = call("POST", "/api/v1/pools", R"({"name":")" + name + R"(","type":")" + type + R"("})");
    EXPECT_EQ(r.status, 201) << r.body;
    return parsed<bv1::Pool>(r).id();
  }

  std::unique_ptr<manager::AdminAuth> auth_;
  manager::UserAuth users_{clock_, std::chrono::hours(1)};
  std::string bearer_;
  std::unique_ptr<manager::ApiServer> api_;
};

std::string etag(const HttpResponse& r) {
  for (const auto& [k, v] : r.headers) {
    if (k == "ETag") return v;
  }
  return "<absent>";
}

bool has_path(const HttpResponse& r, const std::string& path) {
  return r.body.find(R"("path":")" + path + R"(")") != std::string::npos;
}

TEST_F(CatalogRoutesTest, AServerCreatedForAConnectedAgentIsPlaceableAtOnce) {
  enroll_now("a3");
  connect("a3");
  const std::string pool = create_pool("east");
  HttpResponse ws = call("POST", "/api/v1/workspaces", R"({"name":"desk","poolId":")" + pool + R"("})");
  ASSERT_EQ(ws.status, 201) << ws.body;
  const std::string workspace = parsed<bv1::Workspace>(ws).id();
  EXPECT_TRUE(parsed<bv1::Workspace>(ws).enabled());  // absent on create = enabled

  // No server yet: nothing to place on.
  ASSERT_TRUE(place(workspace).ok());
  EXPECT_TRUE(std::holds_alternative<NotPlaced>(*place(workspace)));

  HttpResponse sv = call("POST", "/api/v1/servers",
                         R"({"poolId":")" + pool +
                             R"(","hostname":"h3","address":"10.0.0.3","maxSimultaneousSessionsPerServer":1,)"
                             R"("agentId":"a3","labels":["os=win"]})");
  ASSERT_EQ(sv.status, 201) << sv.body;
  bv1::Server server = parsed<bv1::Server>(sv);
  EXPECT_EQ(server.connection_port(), 3389u);
  EXPECT_EQ(server.agent_id(), "a3");
  EXPECT_EQ(etag(sv), "\"1\"");
  // The agent was connected before the server existed: it is sent the server's settings now.
  bool max_sent = false;
  for (const v1::Command& c : commands("a3"))
    max_sent |= c.has_set_max_sessions() && c.set_max_sessions().max_sessions() == 1;
  EXPECT_TRUE(max_sent);

  store::SessionRecord s = placed(workspace);
  EXPECT_EQ(s.server_id, server.id());
  // Full now; disabling a workspace refuses at once.
  EXPECT_TRUE(std::holds_alternative<NotPlaced>(*place(workspace, "bob")));
  HttpResponse off =
      call("PUT", "/api/v1/workspaces/" + workspace, R"({"name":"desk","poolId":")" + pool + R"(","enabled":false})");
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(place(workspace, "bob").status().code(), ErrorCode::failed_precondition);
}

TEST_F(CatalogRoutesTest, PutMaxSessionsReachesTheAgentAndItsNextWelcome) {
  connect("a1");
  (void)commands("a1");
  HttpResponse got = call("GET", "/api/v1/servers/s1");
  ASSERT_EQ(got.status, 200) << got.body;
  bv1::Server s1 = parsed<bv1::Server>(got);
  s1.set_max_simultaneous_sessions_per_server(7);
  s1.add_labels("gpu");
  s1.clear_id();
  s1.clear_created_at();
  s1.clear_updated_at();
  s1.clear_origin();
  std::string body;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(s1, &body).ok());
  HttpResponse put = call("PUT", "/api/v1/servers/s1", body, "\"" + std::to_string(s1.revision()) + "\"");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(parsed<bv1::Server>(put).revision(), s1.revision() + 1);

  std::vector<v1::Command> sent = commands("a1");
  ASSERT_EQ(sent.size(), 2u);  // max sessions and labels changed; draining did not
  EXPECT_EQ(sent[0].set_max_sessions().max_sessions(), 7u);
  EXPECT_TRUE(sent[1].set_labels().labels().contains("gpu"));

  disconnect("a1");
  connect("a1");
  EXPECT_EQ(welcome("a1").settings().max_sessions(), 7u);

  // A manager restart loads what was committed.
  stop();
  start();
  routes_up();
  connect("a1");
  EXPECT_EQ(welcome("a1").settings().max_sessions(), 7u);
  EXPECT_EQ(welcome("a1").settings().labels().count("gpu"), 1u);

  // The stale revision is refused both ways.
  EXPECT_EQ(call("PUT", "/api/v1/servers/s1", body, "\"1\"").status, 412);
  HttpResponse stale = call("PUT", "/api/v1/servers/s1", body);
  EXPECT_EQ(stale.status, 409);
  EXPECT_NE(stale.body.find("revision_conflict"), std::string::npos) << stale.body;
}

TEST_F(CatalogRoutesTest, AssignAgentBindsAConnectedAgentAndUnassignStopsPlacement) {
  enroll_now("a3");
  connect("a3");
  HttpResponse sv = call("POST", "/api/v1/servers",
                         R"({"poolId":"p1","hostname":"h3","address":"h3","maxSimultaneousSessionsPerServer":5,)"
                         R"("labels":["os=win"]})");
  ASSERT_EQ(sv.status, 201) << sv.body;
  const std::string id = parsed<bv1::Server>(sv).id();
  // s1 and s2 (2 each) are not connected: nothing is ready.
  EXPECT_TRUE(std::holds_alternative<NotPlaced>(*place("w1")));

  EXPECT_EQ(call("POST", "/api/v1/servers/" + id + "/assign-agent", R"({"agentId":"nobody"})").status, 400);
  HttpResponse taken = call("POST", "/api/v1/servers/" + id + "/assign-agent", R"({"agentId":"a1"})");
  EXPECT_EQ(taken.status, 409) << taken.body;
  EXPECT_EQ(call("POST", "/api/v1/servers/nope/assign-agent", R"({"agentId":"a3"})").status, 404);

  HttpResponse bound = call("POST", "/api/v1/servers/" + id + "/assign-agent", R"({"agentId":"a3"})");
  ASSERT_EQ(bound.status, 200) << bound.body;
  EXPECT_EQ(parsed<bv1::Server>(bound).agent_id(), "a3");
  EXPECT_EQ(placed("w1").server_id, id);

  ASSERT_EQ(call("POST", "/api/v1/servers/" + id + "/assign-agent", R"({"agentId":""})").status, 200);
  EXPECT_TRUE(std::holds_alternative<NotPlaced>(*place("w1", "bob")));
}

TEST_F(CatalogRoutesTest, DrainReachesTheAgentAndStopsPlacement) {
  connect("a1");
  connect("a2");
  (void)commands("a1");
  ASSERT_EQ(call("POST", "/api/v1/servers/s2/drain").status, 200);
  std::vector<v1::Command> sent = commands("a2");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].drain().enabled());
  EXPECT_EQ(placed("w1").server_id, "s1");
  EXPECT_EQ(placed("w1", "bob").server_id, "s1");
  EXPECT_TRUE(std::holds_alternative<NotPlaced>(*place("w1", "carol")));
}

TEST_F(CatalogRoutesTest, DeletesAreRefusedWhileSomethingDependsOnThem) {
  connect("a1");
  connect("a2");
  store::SessionRecord s = placed("w1");
  HttpResponse pool = call("DELETE", "/api/v1/pools/p1");
  EXPECT_EQ(pool.status, 409);
  EXPECT_NE(pool.body.find("failed_precondition"), std::string::npos);
  EXPECT_NE(pool.body.find("2 servers, 1 workspace, 1 unfinished session"), std::string::npos) << pool.body;
  HttpResponse server = call("DELETE", "/api/v1/servers/" + s.server_id);
  EXPECT_EQ(server.status, 409);
  EXPECT_NE(server.body.find("1 reserved or active session"), std::string::npos) << server.body;
  HttpResponse workspace = call("DELETE", "/api/v1/workspaces/w1");
  EXPECT_EQ(workspace.status, 409);
  EXPECT_NE(workspace.body.find("1 unfinished session"), std::string::npos) << workspace.body;

  ASSERT_TRUE(end(s.id).ok());
  ASSERT_EQ(call("DELETE", "/api/v1/workspaces/w1").status, 200);
  EXPECT_EQ(place("w1").status().code(), ErrorCode::not_found);  // a deleted workspace places nothing
  ASSERT_EQ(call("DELETE", "/api/v1/servers/s1").status, 200);
  ASSERT_EQ(call("DELETE", "/api/v1/servers/s2").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/servers/s1").status, 404);
  HttpResponse gone = call("DELETE", "/api/v1/pools/p1");
  ASSERT_EQ(gone.status, 200) << gone.body;
  EXPECT_EQ(parsed<bv1::Pool>(gone).id(), "p1");
}

TEST_F(CatalogRoutesTest, EveryProblemIsNamedByItsPath) {
  HttpResponse pool = call("POST", "/api/v1/pools",
                           R"({"id":"x","labels":["a",""],"serverAssignment":true,)"
                           R"("type":"POOL_TYPE_DOCKER_AGENT"})");
  EXPECT_EQ(pool.status, 400);
  EXPECT_NE(pool.body.find("invalid_argument"), std::string::npos);
  for (const char* path : {"/id", "/name", "/labels/1", "/serverAssignment"}) {
    EXPECT_TRUE(has_path(pool, path)) << path << " in " << pool.body;
  }
  EXPECT_TRUE(has_path(call("POST", "/api/v1/pools", R"({"name":"n"})"), "/type"));
  EXPECT_EQ(call("POST", "/api/v1/pools", R"({"name":"n","type":"POOL_TYPE_SERVER","colour":1})").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/pools?colour=1").status, 400);

  HttpResponse server = call("POST", "/api/v1/servers",
                             R"({"poolId":"p1","connectionPort":70000,"assignedUsers":["a","b"],)"
                             R"("resourceOverrides":{"gpus":1},"vmId":"v"})");
  EXPECT_EQ(server.status, 400);
  for (const char* path :
       {"/hostname", "/address", "/connectionPort", "/assignedUsers", "/resourceOverrides", "/vmId"}) {
    EXPECT_TRUE(has_path(server, path)) << path << " in " << server.body;
  }
  EXPECT_TRUE(
      has_path(call("POST", "/api/v1/servers", R"({"poolId":"nope","hostname":"h","address":"a"})"), "/poolId"));
  EXPECT_TRUE(has_path(
      call("PUT", "/api/v1/servers/s1", R"({"poolId":"p2","hostname":"h","address":"a","agentId":"a2"})"), "/agentId"));

  const std::string docker = create_pool("dock", "POOL_TYPE_DOCKER_AGENT");
  EXPECT_TRUE(has_path(call("POST", "/api/v1/workspaces", R"({"name":"d","poolId":")" + docker + R"("})"),
                       "/sessionResources"));
  EXPECT_EQ(call("PUT", "/api/v1/pools/" + docker, R"({"name":"dock","type":"POOL_TYPE_SERVER"})").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/pools", R"({"name":"dock","type":"POOL_TYPE_SERVER"})").status, 409);
}

TEST_F(CatalogRoutesTest, PasswordsAreSealedAndNeverShown) {
  HttpResponse created = call("POST", "/api/v1/servers",
                              R"({"poolId":"p1","hostname":"h9","address":"h9","connectionPassword":"hunter2"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.body.find("hunter2"), std::string::npos);
  bv1::Server s = parsed<bv1::Server>(created);
  EXPECT_EQ(s.connection_password(), "[redacted]");
  const std::string sealed = store_->servers().get(s.id()).value()->connection_password_sealed;
  EXPECT_EQ(secrets_.open(sealed, store::server_password_aad(s.id())).value(), "hunter2");

  // Absent keeps; "" removes.
  ASSERT_EQ(call("PUT", "/api/v1/servers/" + s.id(), R"({"hostname":"h9","address":"h9"})").status, 200);
  EXPECT_EQ(store_->servers().get(s.id()).value()->connection_password_sealed, sealed);
  HttpResponse removed =
      call("PUT", "/api/v1/servers/" + s.id(), R"({"hostname":"h9","address":"h9","connectionPassword":""})");
  ASSERT_EQ(removed.status, 200);
  EXPECT_FALSE(parsed<bv1::Server>(removed).has_connection_password());
}

TEST_F(CatalogRoutesTest, ListsPageInIdOrderAndFilterByPool) {
  const std::string other = create_pool("west");
  ASSERT_EQ(call("POST", "/api/v1/servers", R"({"poolId":")" + other + R"(","hostname":"w","address":"w"})").status,
            201);
  auto first = parsed<bv1::ListServersResponse>(call("GET", "/api/v1/servers?pageSize=2"));
  ASSERT_EQ(first.servers_size(), 2);
  ASSERT_FALSE(first.next_page_token().empty());
  auto second = parsed<bv1::ListServersResponse>(call("GET", "/api/v1/servers?pageToken=" + first.next_page_token()));
  EXPECT_EQ(second.servers_size(), 1);
  EXPECT_TRUE(second.next_page_token().empty());
  auto west = parsed<bv1::ListServersResponse>(call("GET", "/api/v1/servers?poolId=" + other));
  ASSERT_EQ(west.servers_size(), 1);
  EXPECT_EQ(west.servers(0).hostname(), "w");
  EXPECT_EQ(call("GET", "/api/v1/pools/west").status, 200);  // by name
}

std::vector<std::string> event_kinds(const bv1::ListEventsResponse& r) {
  std::vector<std::string> out;
  for (const auto& e : r.events()) out.push_back(e.kind());
  return out;
}

using Kinds = std::vector<std::string>;

TEST_F(CatalogRoutesTest, ServerChangesAreEventsInTheServersTimeline) {
  HttpResponse since_now = call("GET", "/api/v1/events?since=now");
  ASSERT_EQ(since_now.status, 200) << since_now.body;
  const int64_t start = parsed<bv1::ListEventsResponse>(since_now).next_since();
  EXPECT_EQ(parsed<bv1::ListEventsResponse>(since_now).events_size(), 0);

  HttpResponse sv = call("POST", "/api/v1/servers",
                         R"({"poolId":"p1","hostname":"h9","address":"h9","maxSimultaneousSessionsPerServer":2})");
  ASSERT_EQ(sv.status, 201) << sv.body;
  const std::string id = parsed<bv1::Server>(sv).id();
  ASSERT_EQ(call("POST", "/api/v1/servers/" + id + "/drain").status, 200);
  ASSERT_EQ(call("POST", "/api/v1/servers/" + id + "/drain").status, 200);  // no change, no event
  ASSERT_EQ(call("POST", "/api/v1/servers/s1/drain").status, 200);          // another server
  ASSERT_EQ(call("POST", "/api/v1/servers/" + id + "/undrain").status, 200);
  ASSERT_EQ(call("DELETE", "/api/v1/servers/" + id).status, 200);
  // A refused change writes nothing.
  ASSERT_EQ(call("DELETE", "/api/v1/servers/" + id).status, 404);

  HttpResponse timeline = call("GET", "/api/v1/events?serverId=" + id + "&since=" + std::to_string(start));
  ASSERT_EQ(timeline.status, 200) << timeline.body;
  bv1::ListEventsResponse events = parsed<bv1::ListEventsResponse>(timeline);
  EXPECT_EQ(event_kinds(events), (Kinds{"server.created", "server.draining", "server.undrained", "server.deleted"}));
  ASSERT_EQ(events.events_size(), 4);
  const bv1::Event& created = events.events(0);
  EXPECT_GT(created.id(), start);
  EXPECT_EQ(created.pool_id(), "p1");
  EXPECT_EQ(created.server_id(), id);
  EXPECT_EQ(created.severity(), bv1::EVENT_SEVERITY_INFO);
  EXPECT_EQ(created.message(), "server h9 created (static, at most 2 sessions)");
  EXPECT_EQ(created.time().seconds(),
            std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count());
  EXPECT_EQ(events.next_since(), events.events(3).id());

  // Following: after the last id there is nothing more for this server; the whole log has s1's drain too.
  bv1::ListEventsResponse after = parsed<bv1::ListEventsResponse>(
      call("GET", "/api/v1/events?serverId=" + id + "&since=" + std::to_string(events.next_since())));
  EXPECT_EQ(after.events_size(), 0);
  EXPECT_EQ(after.next_since(), events.next_since());
  bv1::ListEventsResponse all =
      parsed<bv1::ListEventsResponse>(call("GET", "/api/v1/events?poolId=p1&since=" + std::to_string(start)));
  EXPECT_EQ(event_kinds(all),
            (Kinds{"server.created", "server.draining", "server.draining", "server.undrained", "server.deleted"}));
  bv1::ListEventsResponse first_two =
      parsed<bv1::ListEventsResponse>(call("GET", "/api/v1/events?pageSize=2&since=" + std::to_string(start)));
  EXPECT_EQ(first_two.events_size(), 2);
  EXPECT_EQ(first_two.next_since(), first_two.events(1).id());
}

TEST_F(CatalogRoutesTest, AnUpdateNamesWhatChanged) {
  connect("a1");
  HttpResponse got = call("GET", "/api/v1/servers/s1");
  ASSERT_EQ(got.status, 200);
  bv1::Server s1 = parsed<bv1::Server>(got);
  const int64_t start = parsed<bv1::ListEventsResponse>(call("GET", "/api/v1/events?since=now")).next_since();
  // Output-only fields are refused on PUT: send only what may be written.
  HttpResponse put = call("PUT", "/api/v1/servers/s1",
                          R"({"poolId":"p1","hostname":")" + s1.hostname() + R"(","address":")" + s1.address() +
                              R"(","maxSimultaneousSessionsPerServer":7,"enabled":false,"agentId":"a1"})",
                          etag(got));
  ASSERT_EQ(put.status, 200) << put.body;
  bv1::ListEventsResponse events =
      parsed<bv1::ListEventsResponse>(call("GET", "/api/v1/events?since=" + std::to_string(start)));
  ASSERT_EQ(events.events_size(), 1) << put.body;
  EXPECT_EQ(events.events(0).kind(), "server.updated");
  EXPECT_NE(events.events(0).message().find("max sessions 2 -> 7, disabled"), std::string::npos)
      << events.events(0).message();
}

TEST_F(CatalogRoutesTest, BadEventQueriesAreRefusedNamingTheParameter) {
  for (const std::string q : {"since=-1", "since=abc", "since=12x", "pageSize=0", "pageSize=1001", "colour=red"}) {
    HttpResponse r = call("GET", "/api/v1/events?" + q);
    EXPECT_EQ(r.status, 400) << q;
    EXPECT_NE(r.body.find(q.substr(0, q.find('='))), std::string::npos) << q << ": " << r.body;
  }
}

}  // namespace
}  // namespace corral::broker::testing
