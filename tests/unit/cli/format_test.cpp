#include "cli/format.h"

#include <gtest/gtest.h>

#include "cli/table.h"
#include "cli/time_format.h"

namespace corral::cli {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

const system_clock::time_point kNow{seconds(1'700'000'000)};

google::protobuf::Timestamp at(int64_t unix_seconds) {
  google::protobuf::Timestamp t;
  t.set_seconds(unix_seconds);
  return t;
}

api::v1::Agent make_agent(const std::string& id, const std::string& host, api::v1::AgentStatus status) {
  api::v1::Agent a;
  a.set_id(id);
  a.set_hostname(host);
  a.set_status(status);
  a.set_os_family(agent::v1::OS_FAMILY_LINUX);
  a.set_os_version("Debian 12");
  a.set_agent_version("0.1.0");
  *a.mutable_last_seen() = at(1'700'000'000 - 5);
  return a;
}

TEST(Format, StatusNames) {
  EXPECT_EQ(agent_status_name(api::v1::AGENT_STATUS_ONLINE), "online");
  EXPECT_EQ(agent_status_name(api::v1::AGENT_STATUS_MISSING), "missing");
  EXPECT_EQ(agent_status_name(api::v1::AGENT_STATUS_OFFLINE), "offline");
  EXPECT_EQ(agent_status_name(api::v1::AGENT_STATUS_REVOKED), "revoked");
  EXPECT_EQ(agent_status_name(api::v1::AGENT_STATUS_UNSPECIFIED), "unknown");
  EXPECT_EQ(agent_status_name(static_cast<api::v1::AgentStatus>(42)), "unknown");
}

TEST(Format, RelativeTime) {
  EXPECT_EQ(relative_time(at(1'700'000'000), kNow), "0s ago");
  EXPECT_EQ(relative_time(at(1'700'000'000 - 5), kNow), "5s ago");
  EXPECT_EQ(relative_time(at(1'700'000'000 - 59), kNow), "59s ago");
  EXPECT_EQ(relative_time(at(1'700'000'000 - 90), kNow), "1m ago");
  EXPECT_EQ(relative_time(at(1'700'000'000 - 3 * 3600), kNow), "3h ago");
  EXPECT_EQ(relative_time(at(1'700'000'000 - 47 * 3600), kNow), "47h ago");
  EXPECT_EQ(relative_time(at(1'700'000'000 - 4 * 86400), kNow), "4d ago");
  EXPECT_EQ(relative_time(at(1'700'000'000 + 600), kNow), "in 10m");
  EXPECT_EQ(relative_time(google::protobuf::Timestamp(), kNow), "-");
}

TEST(Format, AbsoluteTime) {
  EXPECT_EQ(absolute_time(at(1'700'000'000)), "2023-11-14T22:13:20Z");
  EXPECT_EQ(absolute_time(google::protobuf::Timestamp()), "-");
  EXPECT_EQ(absolute_and_relative(at(1'700'000'000 - 5), kNow), "2023-11-14T22:13:15Z (5s ago)");
}

TEST(Format, SessionsColumnCountsReportedSessionsAgainstMax) {
  api::v1::Agent a;
  EXPECT_EQ(sessions_column(a), "-");
  a.mutable_capacity()->set_max_sessions(10);
  EXPECT_EQ(sessions_column(a), "0/10");
  a.mutable_capacity()->add_sessions()->set_state(agent::v1::SESSION_STATE_ACTIVE);
  a.mutable_capacity()->add_sessions()->set_state(agent::v1::SESSION_STATE_DISCONNECTED);
  EXPECT_EQ(sessions_column(a), "2/10");
}

TEST(Format, AgentTableIsAligned) {
  api::v1::ListAgentsResponse list;
  auto a = make_agent("a1", "web-01.example", api::v1::AGENT_STATUS_ONLINE);
  a.mutable_capacity()->set_max_sessions(4);
  a.mutable_capacity()->add_sessions();
  *list.add_agents() = a;
  auto b = make_agent("agent-long-id", "db", api::v1::AGENT_STATUS_REVOKED);
  b.set_os_family(agent::v1::OS_FAMILY_WINDOWS);
  b.set_os_version("");
  b.clear_agent_version();
  *b.mutable_last_seen() = at(1'700'000'000 - 7200);
  *list.add_agents() = b;

  EXPECT_EQ(format_agent_table(list, kNow),
            "ID             HOSTNAME        STATUS   OS               VERSION  SESSIONS  LAST SEEN\n"
            "a1             web-01.example  online   linux Debian 12  0.1.0    1/4       5s ago\n"
            "agent-long-id  db              revoked  windows          -        -         2h ago\n");
}

TEST(Format, EmptyAgentTableIsJustTheHeader) {
  EXPECT_EQ(format_agent_table(api::v1::ListAgentsResponse(), kNow),
            "ID  HOSTNAME  STATUS  OS  VERSION  SESSIONS  LAST SEEN\n");
}

TEST(Format, AgentDetails) {
  auto a = make_agent("a1", "web-01", api::v1::AGENT_STATUS_ONLINE);
  a.add_addresses("10.0.0.5");
  a.add_addresses("fd00::5");
  (*a.mutable_labels())["role"] = "web";
  (*a.mutable_labels())["env"] = "prod";
  *a.mutable_enrolled_at() = at(1'700'000'000 - 3 * 86400);
  a.set_certificate_serial("0a1b");
  auto* cap = a.mutable_capacity();
  cap->set_max_sessions(8);
  cap->set_draining(true);
  cap->set_cores_total_milli(4000);
  cap->set_cores_free_milli(1500);
  cap->set_memory_total_bytes(8ull << 30);
  cap->set_memory_free_bytes(3ull << 29);
  auto* s = cap->add_sessions();
  s->set_id("s-1");
  s->set_user("alice");
  s->set_state(agent::v1::SESSION_STATE_ACTIVE);
  s->set_backend(agent::v1::BACKEND_KIND_XRDP);
  *s->mutable_started_at() = at(1'700'000'000 - 600);

  EXPECT_EQ(format_agent_details(a, kNow),
            "id:                 a1\n"
            "hostname:           web-01\n"
            "status:             online\n"
            "os:                 linux Debian 12\n"
            "agent version:      0.1.0\n"
            "addresses:          10.0.0.5, fd00::5\n"
            "labels:             env=prod, role=web\n"
            "enrolled:           2023-11-11T22:13:20Z (3d ago)\n"
            "last seen:          2023-11-14T22:13:15Z (5s ago)\n"
            "certificate serial: 0a1b\n"
            "sessions:           1/8\n"
            "draining:           yes\n"
            "cpu free:           1.5 of 4 cores\n"
            "memory free:        1.5 GiB of 8.0 GiB\n"
            "\n"
            "SESSION  USER   STATE   BACKEND  STARTED\n"
            "s-1      alice  active  xrdp     10m ago\n");
}

TEST(Format, RevokedAgentShowsWhen) {
  auto a = make_agent("a1", "h", api::v1::AGENT_STATUS_REVOKED);
  *a.mutable_revoked_at() = at(1'700'000'000 - 60);
  std::string out = format_agent_details(a, kNow);
  EXPECT_NE(out.find("status:             revoked\n"), std::string::npos) << out;
  EXPECT_NE(out.find("revoked:            2023-11-14T22:12:20Z (1m ago)\n"), std::string::npos) << out;
}

TEST(Format, JoinToken) {
  api::v1::JoinToken t;
  t.set_id("jt-1");
  t.set_token("cjt.secret");
  *t.mutable_expires_at() = at(1'700'000'000 + 3600);
  (*t.mutable_labels())["env"] = "prod";
  t.set_ca_cert_sha256("ab12");
  EXPECT_EQ(format_join_token(t, kNow),
            "token:     cjt.secret\n"
            "id:        jt-1\n"
            "expires:   2023-11-14T23:13:20Z (in 1h)\n"
            "labels:    env=prod\n"
            "ca sha256: ab12\n");
}

TEST(Table, PadsByCharactersAndTrimsTrailingSpace) {
  EXPECT_EQ(format_table({"A", "B"}, {{"ü", "x"}, {"long", ""}}),
            "A     B\n"
            "ü     x\n"
            "long\n");
}

}  // namespace
}  // namespace corral::cli
