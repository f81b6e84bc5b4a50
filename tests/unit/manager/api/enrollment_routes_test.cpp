// POST /api/v1/enroll, GET /api/v1/enroll/ca, POST /api/v1/join-tokens and GET /healthz: their
// input errors, and one enrollment through the routes as an agent makes it.
#include <google/protobuf/util/json_util.h>

#include "common/tls/certificate_authority.h"
#include "common/tls/keys.h"
#include "corral/agent/v1/enrollment.pb.h"
#include "manager/api/routes.h"
#include "manager/broker/broker.h"
#include "manager/fleet/agent_registry.h"
#include "manager/fleet/enrollment.h"
#include "tests/unit/manager/api/api_fixture.h"
#include "tests/unit/manager/fleet/fake_server_settings.h"
#include "tests/unit/manager/fleet/fake_transport.h"

namespace corral::manager {
namespace {

class EnrollmentRoutesTest : public testing::ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    ca_.emplace(tls::CertificateAuthority::create("test CA", 10).value());
    registry_ = std::make_unique<AgentRegistry>(core_->store(), clock_, RegistrySettings{}, transport_, events_,
                                                server_settings_);
    ASSERT_TRUE(registry_->load(*store_).ok());
    broker_ =
        std::make_unique<broker::Broker>(core_->store(), clock_, broker::BrokerSettings{}, *registry_, events_, table_);
    ASSERT_TRUE(broker_->load(*store_).ok());
    enrollment_ = std::make_unique<Enrollment>(core_->store(), *ca_, clock_,
                                               EnrollmentSettings{600, 3600, 30, "wss://m:8444/agent/v1"}, *broker_);
    api::Router routes;
    api::add_health_routes(routes, *registry_, "9.9.9");
    api::add_enrollment_routes(routes, *enrollment_, *registry_, ca_->certificate_pem(), *broker_);
    server_ = std::make_unique<ApiServer>(std::move(routes), *auth_, users_);
  }

  std::optional<tls::CertificateAuthority> ca_;
  testing::FakeTransport transport_;
  testing::FakeServerSettings server_settings_;
  FleetEvents events_;
  std::unique_ptr<AgentRegistry> registry_;
  broker::ServerSettingsTable table_;
  std::unique_ptr<broker::Broker> broker_;
  std::unique_ptr<Enrollment> enrollment_;
  std::unique_ptr<ApiServer> server_;
};

TEST_F(EnrollmentRoutesTest, AnAgentEnrollsThroughTheRoutesAndTheRegistryKnowsIt) {
  HttpResponse t = call(*server_, "POST", "/api/v1/join-tokens", R"({"ttlSeconds": 60, "labels": {"site": "lab"}})");
  ASSERT_EQ(t.status, 201) << t.body;
  corral::api::v1::JoinToken token;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(t.body, &token).ok());

  corral::agent::v1::EnrollRequest r;
  r.set_join_token(token.token());
  r.set_csr_pem(tls::create_csr_pem(tls::generate_private_key_pem().value(), "x").value());
  r.set_hostname("web-01");
  std::string body;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(r, &body).ok());
  HttpRequest enroll = request("POST", "/api/v1/enroll", body);
  enroll.authorization.clear();  // agents have no admin token
  std::optional<HttpResponse> answer;
  server_->handle(enroll, [&](HttpResponse a) { answer = std::move(a); });
  core_->drain();
  ASSERT_TRUE(answer.has_value());
  ASSERT_EQ(answer->status, 200) << answer->body;
  corral::agent::v1::EnrollResponse enrolled;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(answer->body, &enrolled).ok());
  auto agent = registry_->get(enrolled.agent_id());
  ASSERT_TRUE(agent.ok()) << "the registry picks up the enrolled agent";
  EXPECT_EQ(agent->hostname(), "web-01");
  EXPECT_EQ(agent->labels().at("site"), "lab");
}

TEST_F(EnrollmentRoutesTest, InputErrorsAreNamed) {
  HttpResponse garbage = call(*server_, "POST", "/api/v1/enroll", "{not json");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_NE(garbage.body.find("bad_request"), std::string::npos) << garbage.body;
  HttpResponse unknown = call(*server_, "POST", "/api/v1/enroll", R"({"joinToken": "x", "colour": 1})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("colour"), std::string::npos) << unknown.body;
  HttpResponse malformed = call(*server_, "POST", "/api/v1/enroll", R"({"joinToken": "nope"})");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_NE(malformed.body.find("token_malformed"), std::string::npos) << malformed.body;

  HttpResponse ttl = call(*server_, "POST", "/api/v1/join-tokens", R"({"ttlSeconds": 999999999})");
  EXPECT_EQ(ttl.status, 400);
  EXPECT_NE(ttl.body.find("exceeds the maximum"), std::string::npos) << ttl.body;
  EXPECT_EQ(call(*server_, "POST", "/api/v1/join-tokens", R"({"ttlSeconds": "soon"})").status, 400);

  // Enrolling with it would bind the agent to the server: an unknown one is refused by path.
  HttpResponse no_server = call(*server_, "POST", "/api/v1/join-tokens", R"({"serverId": "no-such-server"})");
  EXPECT_EQ(no_server.status, 400);
  EXPECT_NE(no_server.body.find(R"("path":"/serverId")"), std::string::npos) << no_server.body;
  EXPECT_EQ(call(*server_, "POST", "/api/v1/join-tokens", R"({"labels": {"a b": "c"}})").status, 400);
}

TEST_F(EnrollmentRoutesTest, HealthAndTheCaNeedNoToken) {
  HttpRequest health = request("GET", "/healthz");
  health.authorization.clear();
  std::optional<HttpResponse> h;
  server_->handle(health, [&](HttpResponse r) { h = std::move(r); });
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->status, 200);
  EXPECT_NE(h->body.find("\"version\":\"9.9.9\""), std::string::npos) << h->body;

  HttpRequest ca = request("GET", "/api/v1/enroll/ca");
  ca.authorization.clear();
  std::optional<HttpResponse> c;
  server_->handle(ca, [&](HttpResponse r) { c = std::move(r); });
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->status, 200);
  EXPECT_NE(c->body.find("BEGIN CERTIFICATE"), std::string::npos);
}

}  // namespace
}  // namespace corral::manager
