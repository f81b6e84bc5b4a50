#include "cli/api_client.h"

#include <gtest/gtest.h>

#include "cli/api_error.h"
#include "fakes.h"

namespace corral::cli {
namespace {

using testing::FakeTransport;
using testing::response;

Settings settings() {
  Settings s;
  s.server = "https://manager.test:8443";
  s.token = "cadm.id.s3cret";
  s.ca_pem = "-----BEGIN CERTIFICATE-----\n";
  return s;
}

TEST(ApiError, FormatsMessageStatusAndReason) {
  Status st = api_error(response(404, R"({"code":404,"reason":"not_found","message":"no agent a9"})"));
  EXPECT_EQ(st.code(), ErrorCode::not_found);
  EXPECT_EQ(st.message(), "no agent a9 (HTTP 404 not_found)");

  EXPECT_EQ(api_error(response(401, R"({"code":401,"reason":"unauthenticated","message":"bad token"})")).code(),
            ErrorCode::unauthenticated);
  EXPECT_EQ(api_error(response(409, R"({"reason":"failed_precondition","message":"m"})")).message(),
            "m (HTTP 409 failed_precondition)");
}

TEST(ApiError, SurvivesBodiesThatAreNotCorralErrors) {
  Status html = api_error(response(502, "<html>Bad Gateway</html>"));
  EXPECT_EQ(html.code(), ErrorCode::unavailable);
  EXPECT_EQ(html.message(), "the server refused the request (HTTP 502)");

  Status extra = api_error(response(400, R"({"message":"bad ttl","reason":"invalid_argument","hint":"new"})"));
  EXPECT_EQ(extra.message(), "bad ttl (HTTP 400 invalid_argument)");
}

TEST(ApiError, ListsFieldViolationsTheMessageDoesNotQuote) {
  Status listed = api_error(response(400, R"({"reason":"invalid_argument","message":"2 problems",
      "fieldViolations":[{"path":"/connectionPort","message":"must be 1-65535"},{"path":"","message":"bad\nbody"}]})"));
  EXPECT_EQ(listed.message(),
            "2 problems (HTTP 400 invalid_argument)\n  /connectionPort: must be 1-65535\n  (body): bad\\nbody");

  // The provider configs' message already spells each one out: nothing is printed twice.
  Status quoted = api_error(response(400, R"({"reason":"invalid_provider_config",
      "message":"the provider config has 1 problem: /config/region: is required",
      "fieldViolations":[{"path":"/config/region","message":"is required"}]})"));
  EXPECT_EQ(quoted.message(),
            "the provider config has 1 problem: /config/region: is required (HTTP 400 invalid_provider_config)");
}

TEST(ApiClient, ListAgentsSendsTheTokenAndDecodes) {
  FakeTransport fake;
  fake.answers.push_back(response(200, R"({"agents":[{"id":"a1","status":"AGENT_STATUS_ONLINE","futureField":1}]})"));
  ApiClient api(settings(), fake.transport());
  auto reply = api.list_agents();
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  ASSERT_EQ(reply->message.agents_size(), 1);
  EXPECT_EQ(reply->message.agents(0).status(), api::v1::AGENT_STATUS_ONLINE);
  EXPECT_NE(reply->json.find("futureField"), std::string::npos);  // --json shows what we do not know

  ASSERT_EQ(fake.requests.size(), 1u);
  const auto& r = fake.requests[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url, "https://manager.test:8443/api/v1/agents");
  EXPECT_EQ(testing::header_of(r, "Authorization"), "Bearer cadm.id.s3cret");
  EXPECT_EQ(r.tls.ca_pem, "-----BEGIN CERTIFICATE-----\n");
  EXPECT_TRUE(r.tls.verify);
}

TEST(ApiClient, EndpointsAndBodies) {
  FakeTransport fake;
  fake.answers.push_back(response(200, R"({"id":"a/1"})"));
  fake.answers.push_back(response(200, R"({"id":"a1","status":"AGENT_STATUS_REVOKED"})"));
  fake.answers.push_back(response(202, R"({"commandId":"c-7"})"));
  fake.answers.push_back(response(201, R"({"id":"jt","token":"cjt.x"})"));
  fake.answers.push_back(response(200, R"({"status":"ok","version":"0.1.0"})"));
  ApiClient api(settings(), fake.transport());

  ASSERT_TRUE(api.get_agent("a/1").ok());
  ASSERT_TRUE(api.revoke_agent("a1").ok());
  api::v1::SendCommandRequest command;
  command.mutable_command()->mutable_set_max_sessions()->set_max_sessions(3);
  auto sent = api.send_command("a1", command);
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(sent->message.command_id(), "c-7");
  api::v1::CreateJoinTokenRequest create;
  create.set_ttl_seconds(60);
  auto token = api.create_join_token(create);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->message.token(), "cjt.x");
  ASSERT_TRUE(api.health().ok());

  ASSERT_EQ(fake.requests.size(), 5u);
  EXPECT_EQ(fake.requests[0].url, "https://manager.test:8443/api/v1/agents/a%2F1");
  EXPECT_EQ(fake.requests[1].method, "DELETE");
  EXPECT_EQ(fake.requests[1].url, "https://manager.test:8443/api/v1/agents/a1");
  EXPECT_EQ(fake.requests[2].method, "POST");
  EXPECT_EQ(fake.requests[2].url, "https://manager.test:8443/api/v1/agents/a1/commands");
  EXPECT_EQ(fake.requests[2].body, R"({"command":{"setMaxSessions":{"maxSessions":3}}})");
  EXPECT_EQ(testing::header_of(fake.requests[2], "Content-Type"), "application/json");
  EXPECT_EQ(fake.requests[3].url, "https://manager.test:8443/api/v1/join-tokens");
  EXPECT_EQ(fake.requests[3].body, R"({"ttlSeconds":60})");
  EXPECT_EQ(fake.requests[4].url, "https://manager.test:8443/healthz");
  EXPECT_EQ(testing::header_of(fake.requests[4], "Authorization"), "");  // the token goes only where it is needed
}

TEST(ApiClient, QueryStringsAreEscaped) {
  EXPECT_EQ(query_string({}), "");
  EXPECT_EQ(query_string({{"label", "env=prod"}, {"a b", "c&d/é"}}), "?label=env%3Dprod&a%20b=c%26d%2F%C3%A9");
}

TEST(ApiClient, ListAgentsQuery) {
  FakeTransport fake;
  fake.answers.push_back(response(200, R"({"agents":[],"nextPageToken":"n"})"));
  ApiClient api(settings(), fake.transport());
  AgentQuery query;
  query.page_size = 10;
  query.page_token = "tok+/=";
  query.status = "offline";
  query.labels = {"a=1", "b=2"};
  query.server_id = "s1";
  auto reply = api.list_agents(query);
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  EXPECT_EQ(reply->message.next_page_token(), "n");
  EXPECT_EQ(fake.requests[0].url,
            "https://manager.test:8443/api/v1/agents?pageSize=10&pageToken=tok%2B%2F%3D&status=offline&label=a%3D1"
            "&label=b%3D2&serverId=s1");
}

TEST(ApiClient, HttpErrorsBecomeStatuses) {
  FakeTransport fake;
  fake.answers.push_back(response(404, R"({"code":404,"reason":"not_found","message":"no agent a9"})"));
  ApiClient api(settings(), fake.transport());
  auto reply = api.get_agent("a9");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().message(), "no agent a9 (HTTP 404 not_found)");
}

TEST(ApiClient, TransportErrorsKeepTheirCode) {
  FakeTransport fake;
  fake.answers.push_back(
      error(ErrorCode::unavailable, "GET https://manager.test:8443/api/v1/agents: Connection refused"));
  ApiClient api(settings(), fake.transport());
  auto reply = api.list_agents();
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::unavailable);
  EXPECT_NE(reply.status().message().find("Connection refused"), std::string::npos);
}

TEST(ApiClient, UndecodableAnswerIsAnError) {
  FakeTransport fake;
  fake.answers.push_back(response(200, "not json"));
  ApiClient api(settings(), fake.transport());
  auto reply = api.list_agents();
  ASSERT_FALSE(reply.ok());
  EXPECT_NE(reply.status().message().find("/api/v1/agents"), std::string::npos);
}

}  // namespace
}  // namespace corral::cli
