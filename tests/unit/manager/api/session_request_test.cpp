// Requests to /api/v1/sessions before anything runs: every body problem in one answer at its JSON
// Pointer, list filters and paging, the end reason, and the JSON the routes answer with.
#include "manager/api/session_request.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "common/encoding.h"
#include "manager/api/json.h"
#include "manager/api/session_view.h"

namespace corral::manager::api {
namespace {

namespace brokerv1 = corral::broker::v1;

std::vector<std::string> paths(const corral::api::v1::Error& e) {
  std::vector<std::string> out;
  for (const auto& v : e.field_violations()) out.push_back(v.path() + ": " + v.message());
  return out;
}

TEST(CreateSessionRequest, EveryProblemIsNamedAtItsPointer) {
  brokerv1::CreateSessionRequest empty;
  auto e = check_create_session(empty);
  EXPECT_EQ(e.code(), 400);
  EXPECT_EQ(e.reason(), "invalid_argument");
  EXPECT_EQ(paths(e), (std::vector<std::string>{"/workspace: is required", "/user: is required"}));
  EXPECT_NE(e.message().find("2 problems"), std::string::npos) << e.message();

  brokerv1::CreateSessionRequest bad;
  bad.set_workspace("desk");
  bad.set_user("alice\nbob");
  e = check_create_session(bad);
  ASSERT_EQ(e.field_violations_size(), 1);
  EXPECT_EQ(e.field_violations(0).path(), "/user");
  EXPECT_NE(e.field_violations(0).message().find("printable"), std::string::npos);
  EXPECT_EQ(e.message().find("alice"), std::string::npos) << "the bad value is not echoed";

  bad.set_user(std::string(257, 'a'));
  EXPECT_EQ(check_create_session(bad).field_violations_size(), 1);
  bad.set_user(std::string(256, 'a'));
  EXPECT_EQ(check_create_session(bad).field_violations_size(), 0);
}

TEST(CreateSessionRequest, UnknownFieldsAreRefusedByName) {
  brokerv1::CreateSessionRequest r;
  Status s = parse_json_body(R"({"workspace": "desk", "user": "alice", "server": "s1"})", &r);
  EXPECT_EQ(s.code(), ErrorCode::invalid_argument);
  EXPECT_NE(s.message().find("server"), std::string::npos) << s.message();
  ASSERT_TRUE(parse_json_body(R"({"workspace": "desk", "user": "alice"})", &r).ok());
  EXPECT_EQ(check_create_session(r).field_violations_size(), 0);
}

TEST(SessionListQuery, EveryFilterAndPagingIsRead) {
  auto q = parse_session_list_query(
      "poolId=p1&serverId=s1&workspaceId=w1&user=al%20ice&state=active&pageSize=20&"
      "pageToken=" +
      to_hex("sess-9"));
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  EXPECT_EQ(q->filter.pool_id, "p1");
  EXPECT_EQ(q->filter.server_id, "s1");
  EXPECT_EQ(q->filter.workspace_id, "w1");
  EXPECT_EQ(q->filter.user, "al ice");
  EXPECT_EQ(q->filter.state, store::SessionState::active);
  EXPECT_EQ(q->page.size, 20u);
  EXPECT_EQ(q->page.after_id, "sess-9");

  auto defaults = parse_session_list_query("");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->page.size, kDefaultSessionPageSize);
  EXPECT_EQ(defaults->page.after_id, "");
  EXPECT_FALSE(defaults->filter.state.has_value());
  for (const char* state : {"reserved", "ended"}) {
    EXPECT_TRUE(parse_session_list_query(std::string("state=") + state).ok()) << state;
  }
}

TEST(SessionListQuery, BadValuesAndUnknownParametersNameTheParameter) {
  struct Case {
    const char* query;
    const char* names;
  };
  const Case cases[] = {
      {"state=running", "state must be reserved, active or ended"},
      {"state=ACTIVE", "state"},
      {"pageSize=0", "pageSize"},
      {"pageSize=1001", "pageSize"},
      {"pageToken=zz", "pageToken"},
      {"pool=p1", "unknown query parameter 'pool'"},
      {"state=%zz", "malformed"},
  };
  for (const Case& c : cases) {
    auto q = parse_session_list_query(c.query);
    ASSERT_FALSE(q.ok()) << c.query;
    EXPECT_EQ(q.status().code(), ErrorCode::invalid_argument);
    EXPECT_NE(q.status().message().find(c.names), std::string::npos) << q.status().message();
  }
}

TEST(SessionEndQuery, AdminByDefaultUserOnRequestNothingElse) {
  EXPECT_EQ(parse_session_end_query("").value(), store::SessionEndReason::admin);
  EXPECT_EQ(parse_session_end_query("reason=admin").value(), store::SessionEndReason::admin);
  EXPECT_EQ(parse_session_end_query("reason=user").value(), store::SessionEndReason::user);
  auto agent = parse_session_end_query("reason=agent");
  ASSERT_FALSE(agent.ok());
  EXPECT_NE(agent.status().message().find("reason must be admin or user"), std::string::npos);
  EXPECT_FALSE(parse_session_end_query("why=admin").ok());
}

std::string json(const google::protobuf::Message& m) {
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &out).ok());
  return out;
}

TEST(SessionView, FieldsMapToTheirJsonNamesAndUnsetTimesStayAbsent) {
  store::SessionRecord s;
  s.id = "x1";
  s.workspace_id = "w1";
  s.pool_id = "p1";
  s.server_id = "s1";
  s.user = "alice";
  s.state = store::SessionState::ended;
  s.end_reason = store::SessionEndReason::expired_reservation;
  s.agent_session_id = "x1";
  s.reserved_at = 1700000000;
  s.reservation_expires_at = 1700000060;
  s.ended_at = 1700000061;
  std::string out = json(session_view(s));
  EXPECT_NE(out.find(R"("state":"SESSION_STATE_ENDED")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("endReason":"SESSION_END_REASON_EXPIRED_RESERVATION")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("origin":"SESSION_ORIGIN_PLACED")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("reservedAt":"2023-11-14T22:13:20Z")"), std::string::npos) << out;
  EXPECT_EQ(out.find("activatedAt"), std::string::npos) << out;
  EXPECT_EQ(out.find("resources"), std::string::npos) << out;

  broker::ConnectionDetails c;
  c.server_id = "s1";
  c.hostname = "rdp-01";
  c.address = "10.0.0.1";
  c.type = store::ConnectionType::vnc;
  c.port = 5900;
  c.username = "alice";
  c.password_stored = true;
  out = json(session_connection_view(c));
  EXPECT_EQ(out, R"({"serverId":"s1","hostname":"rdp-01","address":"10.0.0.1","connectionType":"CONNECTION_TYPE_VNC",)"
                 R"("port":5900,"username":"alice","passwordStored":true})");
}

TEST(RdGatewayView, MapsBothWaysAndNamesEachBadField) {
  brokerv1::RdGateway g;
  g.set_hostname("gw.example.com");
  g.set_port(8443);
  EXPECT_EQ(rd_gateway_record(g), (store::RdGateway{"gw.example.com", 8443}));
  EXPECT_EQ(json(rd_gateway_view({"gw.example.com", 8443})), R"({"hostname":"gw.example.com","port":8443})");

  corral::api::v1::Error ok;
  check_rd_gateway_fields(g, "/rdGateway", ok);
  EXPECT_EQ(ok.field_violations_size(), 0);

  g.set_hostname("gw example\r\n");
  g.set_port(70000);
  corral::api::v1::Error e;
  check_rd_gateway_fields(g, "/rdGateway", e);
  ASSERT_EQ(e.field_violations_size(), 2);
  EXPECT_EQ(e.field_violations(0).path(), "/rdGateway/port");
  EXPECT_EQ(e.field_violations(1).path(), "/rdGateway/hostname");
  EXPECT_NE(e.field_violations(1).message().find("printable"), std::string::npos) << e.field_violations(1).message();

  brokerv1::RdGateway port_only;
  port_only.set_port(443);
  corral::api::v1::Error e2;
  check_rd_gateway_fields(port_only, "/rdGateway", e2);
  ASSERT_EQ(e2.field_violations_size(), 1);
  EXPECT_EQ(e2.field_violations(0).message(), "is set without a hostname");
}

}  // namespace
}  // namespace corral::manager::api
