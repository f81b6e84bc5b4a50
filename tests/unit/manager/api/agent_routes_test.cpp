// /api/v1/agents: paging, filters and every input error, over a real registry and store.
#include <google/protobuf/util/json_util.h>

#include "corral/api/v1/api.pb.h"
#include "manager/api/routes.h"
#include "manager/fleet/agent_registry.h"
#include "manager/store/join_token_enrollment.h"
#include "tests/unit/manager/api/api_fixture.h"
#include "tests/unit/manager/fleet/fake_server_settings.h"
#include "tests/unit/manager/fleet/fake_transport.h"

namespace corral::manager {
namespace {

using corral::api::v1::ListAgentsResponse;

class AgentRoutesTest : public testing::ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    // agent-00 .. agent-09; even ones carry site=lab, agent-03 is bound to server s3.
    for (int i = 0; i < 10; ++i) {
      std::string id = "agent-0" + std::to_string(i);
      store::JoinTokenRecord t;
      t.id = "tok-" + id;
      t.secret_sha256 = "x";
      t.expires_at = unix_seconds(clock_.now()) + 100;
      ASSERT_TRUE(store_->join_tokens().insert(t).ok());
      store::AgentRecord a;
      a.id = id;
      a.certificate_serial = "serial-" + id;
      a.enrolled_at = 1;
      if (i % 2 == 0) a.labels["site"] = "lab";
      if (i == 3) a.server_id = "s3";
      auto enrolled = store::consume_join_token_and_enroll(*store_, t.id, unix_seconds(clock_.now()), a);
      ASSERT_TRUE(enrolled.ok() && *enrolled == store::EnrollOutcome::enrolled);
    }
    registry_ = std::make_unique<AgentRegistry>(core_->store(), clock_, RegistrySettings{}, transport_, events_,
                                                server_settings_);
    ASSERT_TRUE(registry_->load(*store_).ok());
    api::Router routes;
    api::add_agent_routes(routes, *registry_);
    server_ = std::make_unique<ApiServer>(std::move(routes), *auth_, users_);
  }

  ListAgentsResponse list(const std::string& query) {
    HttpResponse r = call(*server_, "GET", "/api/v1/agents" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    ListAgentsResponse out;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &out).ok()) << r.body;
    return out;
  }
  static std::vector<std::string> ids(const ListAgentsResponse& page) {
    std::vector<std::string> out;
    for (const auto& a : page.agents()) out.push_back(a.id());
    return out;
  }

  testing::FakeTransport transport_;
  testing::FakeServerSettings server_settings_;
  FleetEvents events_;
  std::unique_ptr<AgentRegistry> registry_;
  std::unique_ptr<ApiServer> server_;
};

TEST_F(AgentRoutesTest, PagesFollowOneAnotherToTheEnd) {
  std::vector<std::string> all;
  std::string token;
  int pages = 0;
  do {
    auto page = list("?pageSize=4" + (token.empty() ? "" : "&pageToken=" + token));
    auto got = ids(page);
    EXPECT_LE(got.size(), 4u);
    all.insert(all.end(), got.begin(), got.end());
    token = page.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(all.size(), 10u);
  EXPECT_EQ(all.front(), "agent-00");
  EXPECT_EQ(all.back(), "agent-09");
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
}

TEST_F(AgentRoutesTest, WithoutParametersOnePageHoldsASmallFleet) {
  auto page = list("");
  EXPECT_EQ(page.agents_size(), 10);
  EXPECT_TRUE(page.next_page_token().empty());
}

TEST_F(AgentRoutesTest, FiltersCombine) {
  EXPECT_EQ(ids(list("?label=site%3Dlab")),
            (std::vector<std::string>{"agent-00", "agent-02", "agent-04", "agent-06", "agent-08"}));
  EXPECT_EQ(ids(list("?serverId=s3")), std::vector<std::string>{"agent-03"});
  EXPECT_TRUE(ids(list("?serverId=s3&label=site=lab")).empty());
  EXPECT_EQ(list("?status=offline").agents_size(), 10);
  EXPECT_EQ(list("?status=online").agents_size(), 0);
  registry_->on_connected(1, "agent-05", "serial-agent-05", "p");
  EXPECT_EQ(ids(list("?status=online")), std::vector<std::string>{"agent-05"});
  EXPECT_EQ(call(*server_, "DELETE", "/api/v1/agents/agent-07").status, 200);
  EXPECT_EQ(ids(list("?status=revoked")), std::vector<std::string>{"agent-07"});
}

TEST_F(AgentRoutesTest, BadParametersAre400NamingTheParameter) {
  struct Case {
    std::string query;
    std::string says;
  } cases[] = {
      {"?pageSize=0", "pageSize must be a whole number from 1 to 1000"},
      {"?pageSize=5000", "pageSize must be a whole number from 1 to 1000"},
      {"?pageSize=ten", "pageSize must be a whole number"},
      {"?status=sleepy", "status must be online, missing, offline or revoked"},
      {"?label=nolabel", "label must be KEY=VALUE"},
      {"?label=%3Dvalue", "label must be KEY=VALUE"},
      {"?pageToken=zz", "pageToken is not one this manager issued"},
      {"?colour=red", "unknown query parameter 'colour'"},
      {"?a=%zz", "malformed query parameter"},
  };
  for (const Case& c : cases) {
    HttpResponse r = call(*server_, "GET", "/api/v1/agents" + c.query);
    EXPECT_EQ(r.status, 400) << c.query;
    EXPECT_NE(r.body.find(c.says), std::string::npos) << c.query << ": " << r.body;
  }
}

TEST_F(AgentRoutesTest, ShowRevokeAndCommandAnswerForUnknownAgents) {
  EXPECT_EQ(call(*server_, "GET", "/api/v1/agents/ghost").status, 404);
  EXPECT_EQ(call(*server_, "DELETE", "/api/v1/agents/ghost").status, 404);
  EXPECT_EQ(
      call(*server_, "POST", "/api/v1/agents/ghost/commands", R"({"command": {"drain": {"enabled": true}}})").status,
      404);
  EXPECT_EQ(call(*server_, "GET", "/api/v1/agents/agent-01").status, 200);
}

TEST_F(AgentRoutesTest, CommandBodiesAreChecked) {
  HttpResponse unknown_field = call(*server_, "POST", "/api/v1/agents/agent-01/commands", R"({"cmd": {}})");
  EXPECT_EQ(unknown_field.status, 400);
  EXPECT_NE(unknown_field.body.find("cmd"), std::string::npos) << unknown_field.body;
  EXPECT_EQ(call(*server_, "POST", "/api/v1/agents/agent-01/commands", "{not json").status, 400);
  HttpResponse offline = call(*server_, "POST", "/api/v1/agents/agent-01/commands", R"({"command": {"drain": {}}})");
  EXPECT_EQ(offline.status, 409);
  EXPECT_NE(offline.body.find("not connected"), std::string::npos) << offline.body;
  registry_->on_connected(1, "agent-01", "serial-agent-01", "p");
  corral::agent::v1::Envelope hello;
  hello.set_seq(1);
  hello.mutable_hello();
  registry_->on_envelope(1, hello);
  EXPECT_EQ(call(*server_, "POST", "/api/v1/agents/agent-01/commands", R"({"command": {}})").status, 400);
  EXPECT_EQ(call(*server_, "POST", "/api/v1/agents/agent-01/commands", R"({"command": {"drain": {}}})").status, 202);
}

}  // namespace
}  // namespace corral::manager
