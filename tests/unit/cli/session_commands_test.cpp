// corralctl sessions against a fake manager: placing one (and a full pool), listing with filters
// across pages, ending one, and the .rdp file that connect writes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <type_traits>

#include <filesystem>

#include "cli/rdp_file.h"
#include "common/files.h"
#include "fakes.h"

namespace corral::cli {
namespace {

using nlohmann::json;
using testing::Harness;
using testing::header_of;
using testing::or_else;
using testing::response;
using testing::ScratchDir;

using testing::kBase;

TEST(SessionCommands, CreateShowsWhereToConnect) {
  Harness h;
  h.fake.answers.push_back(response(201, R"({"session":{"id":"se-1","user":"alice","state":"SESSION_STATE_RESERVED",)"
                                         R"("serverId":"s-1"},"connection":{"serverId":"s-1","hostname":"ts1",)"
                                         R"("address":"10.0.0.5","connectionType":"CONNECTION_TYPE_RDP",)"
                                         R"("port":3390,"username":"alice","passwordStored":true}})"));
  ASSERT_EQ(h.run({"sessions", "create", "--workspace", "desk", "--user", "alice"}), kExitOk) << h.err.str();
  EXPECT_EQ(h.only_request().method, "POST");
  EXPECT_EQ(h.only_request().url, kBase + "/api/v1/sessions");
  EXPECT_EQ(json::parse(h.only_request().body), json::parse(R"({"workspace":"desk","user":"alice"})"));
  EXPECT_EQ(h.out.str(),
            "session:    se-1\n"
            "state:      reserved\n"
            "user:       alice\n"
            "server:     ts1 (s-1)\n"
            "connect to: 10.0.0.5:3390\n"
            "connection: rdp\n"
            "username:   alice\n"
            "password:   stored on the server record\n");
}

TEST(SessionCommands, CreateJsonIsTheAnswerAsSent) {
  Harness h;
  h.fake.answers.push_back(response(201, R"({"session":{"id":"se-1"},"connection":{"port":22},"new":true})"));
  ASSERT_EQ(h.run({"--json", "sessions", "create", "--workspace", "desk", "--user", "alice"}), kExitOk);
  EXPECT_EQ(json::parse(h.out.str()), json::parse(R"({"session":{"id":"se-1"},"connection":{"port":22},"new":true})"));
}

TEST(SessionCommands, AFullPoolShowsItsCounts) {
  Harness h;
  h.fake.answers.push_back(response(503, R"({"code":503,"reason":"pool_full",
      "message":"pool lab has no free slot: 0 ready, 2 provisioning, 1 draining",
      "poolStatus":{"poolId":"p-1","ready":0,"provisioning":2,"draining":1}})"));
  EXPECT_EQ(h.run({"sessions", "create", "--workspace", "desk", "--user", "alice"}), kExitApiError);
  EXPECT_EQ(h.err.str(),
            "corralctl: pool lab has no free slot: 0 ready, 2 provisioning, 1 draining (HTTP 503 pool_full)\n"
            "  pool p-1: 0 ready, 2 provisioning, 1 draining\n"
            "  a server is being provisioned: try again once it is ready\n");

  Harness nothing_coming;
  nothing_coming.fake.answers.push_back(response(
      503, R"({"reason":"pool_full","message":"full","poolStatus":{"poolId":"p-1","ready":3,"draining":"2"}})"));
  EXPECT_EQ(nothing_coming.run({"sessions", "create", "--workspace", "desk", "--user", "alice"}), kExitApiError);
  EXPECT_EQ(nothing_coming.err.str(),
            "corralctl: full (HTTP 503 pool_full)\n"
            "  pool p-1: 3 ready, 0 provisioning, 2 draining\n");
}

TEST(SessionCommands, ListResolvesNamesFiltersAndFollowsPages) {
  Harness h;
  h.fake.answers.push_back(response(200, R"({"id":"p-1","name":"lab"})"));
  h.fake.answers.push_back(response(200, R"({"id":"w-1","name":"desk"})"));
  h.fake.answers.push_back(
      response(200, R"({"sessions":[{"id":"se-1","user":"alice","state":"SESSION_STATE_ACTIVE","workspaceId":"w-1",)"
                    R"("serverId":"s-1","reservedAt":"2023-11-14T22:00:00Z","activatedAt":"2023-11-14T22:13:10Z"}],)"
                    R"("nextPageToken":"a1"})"));
  h.fake.answers.push_back(
      response(200, R"({"sessions":[{"id":"se-2","user":"alice","state":"SESSION_STATE_ENDED",)"
                    R"("endReason":"SESSION_END_REASON_EXPIRED_RESERVATION","endedAt":"2023-11-14T20:13:20Z"}]})"));
  ASSERT_EQ(h.run({"sessions", "list", "--pool", "lab", "--server", "s-1", "--workspace", "desk", "--user",
                   "DOM\\alice", "--state", "active"}),
            kExitOk)
      << h.err.str();
  ASSERT_EQ(h.fake.requests.size(), 4u);
  EXPECT_EQ(h.fake.requests[0].url, kBase + "/api/v1/pools/lab");
  EXPECT_EQ(h.fake.requests[1].url, kBase + "/api/v1/workspaces/desk");
  const std::string query = "poolId=p-1&serverId=s-1&workspaceId=w-1&user=DOM%5Calice&state=active";
  EXPECT_EQ(h.fake.requests[2].url, kBase + "/api/v1/sessions?" + query);
  EXPECT_EQ(h.fake.requests[3].url, kBase + "/api/v1/sessions?" + query + "&pageToken=a1");
  EXPECT_EQ(h.out.str(),
            "ID    USER   STATE   WORKSPACE  SERVER  SINCE\n"
            "se-1  alice  active  w-1        s-1     10s ago\n"
            "se-2  alice  ended (expired-reservation)  -          -       2h ago\n");
}

TEST(SessionCommands, ListJsonJoinsThePages) {
  Harness h;
  h.fake.answers.push_back(response(200, R"({"sessions":[{"id":"se-1"}],"nextPageToken":"a1"})"));
  h.fake.answers.push_back(response(200, R"({"sessions":[{"id":"se-2"}],"nextPageToken":""})"));
  ASSERT_EQ(h.run({"sessions", "list", "--json"}), kExitOk) << h.err.str();
  EXPECT_EQ(json::parse(h.out.str()), json::parse(R"({"sessions":[{"id":"se-1"},{"id":"se-2"}]})"));
}

TEST(SessionCommands, APageTokenSeenTwiceStops) {
  Harness h;
  h.fake.answers.push_back(response(200, R"({"sessions":[{"id":"se-1"}],"nextPageToken":"a1"})"));
  EXPECT_EQ(h.run({"sessions", "list"}), kExitApiError);
  EXPECT_EQ(h.fake.requests.size(), 2u);
  EXPECT_EQ(h.err.str(), "corralctl: the manager sent the same page token twice; stopped after 2 sessions\n");
}

TEST(SessionCommands, ShowAndEnd) {
  Harness show;
  show.fake.answers.push_back(response(200, R"({"id":"se-1","user":"alice","state":"SESSION_STATE_RESERVED",)"
                                            R"("origin":"SESSION_ORIGIN_PLACED","reservedAt":"2023-11-14T22:13:10Z",)"
                                            R"("reservationExpiresAt":"2023-11-14T22:14:10Z"})"));
  ASSERT_EQ(show.run({"sessions", "show", "se-1"}), kExitOk) << show.err.str();
  EXPECT_EQ(show.only_request().url, kBase + "/api/v1/sessions/se-1");
  EXPECT_NE(show.out.str().find("reservation expires: 2023-11-14T22:14:10Z (in 50s)\n"), std::string::npos)
      << show.out.str();
  EXPECT_NE(show.out.str().find("origin:              placed\n"), std::string::npos) << show.out.str();

  Harness end;
  end.fake.answers.push_back(
      response(200, R"({"id":"se-1","state":"SESSION_STATE_ENDED","endReason":"SESSION_END_REASON_ADMIN"})"));
  ASSERT_EQ(end.run({"sessions", "end", "se-1"}), kExitOk) << end.err.str();
  EXPECT_EQ(end.only_request().method, "DELETE");
  EXPECT_EQ(end.only_request().url, kBase + "/api/v1/sessions/se-1");
  EXPECT_EQ(end.out.str(), "session se-1 ended (admin)\n");
}

// connect writes into the working directory by default; each test runs in its own.
class ConnectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = std::filesystem::current_path();
    std::filesystem::current_path(dir_.path());
  }
  void TearDown() override { std::filesystem::current_path(previous_); }

  static http::Response rdp(const std::string& disposition) {
    auto r =
        response(200, "full address:s:10.0.0.5:3389\r\nusername:s:alice\r\n", {{"Content-Disposition", disposition}});
    r.content_type = "application/x-rdp";
    return r;
  }

  ScratchDir dir_;
  std::filesystem::path previous_;
};

TEST_F(ConnectTest, WritesTheFileTheManagerNames) {
  Harness h;
  h.fake.answers.push_back(rdp("attachment; filename=\"ts1.rdp\""));
  ASSERT_EQ(h.run({"sessions", "connect", "se-1"}), kExitOk) << h.err.str();
  EXPECT_EQ(h.only_request().url, kBase + "/api/v1/sessions/se-1/connection.rdp");
  EXPECT_EQ(header_of(h.only_request(), "Accept"), "application/x-rdp");
  EXPECT_EQ(h.out.str(), "wrote ts1.rdp: open it with an RDP client to connect to session se-1\n");
  EXPECT_EQ(or_else(read_file("ts1.rdp"), ""), "full address:s:10.0.0.5:3389\r\nusername:s:alice\r\n");
  EXPECT_EQ(std::filesystem::status("ts1.rdp").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(ConnectTest, RefusesToReplaceAFileUnlessForced) {
  (void)write_file_atomic("ts1.rdp", "mine", 0600);
  Harness h;
  h.fake.answers.push_back(rdp("attachment; filename=\"ts1.rdp\""));
  EXPECT_EQ(h.run({"sessions", "connect", "se-1"}), kExitApiError);
  EXPECT_EQ(h.err.str(), "corralctl: ts1.rdp exists: pass --force to replace it, or -o FILE\n");
  EXPECT_EQ(or_else(read_file("ts1.rdp"), ""), "mine");

  Harness forced;
  forced.fake.answers.push_back(rdp("attachment; filename=\"ts1.rdp\""));
  ASSERT_EQ(forced.run({"sessions", "connect", "se-1", "--force"}), kExitOk) << forced.err.str();
  EXPECT_NE(or_else(read_file("ts1.rdp"), ""), "mine");
}

TEST_F(ConnectTest, OutputFlagChoosesTheFileAndIsCheckedFirst) {
  Harness h;
  h.fake.answers.push_back(rdp("attachment; filename=\"ts1.rdp\""));
  ASSERT_EQ(h.run({"sessions", "connect", "se-1", "-o", "mine.rdp"}), kExitOk) << h.err.str();
  EXPECT_TRUE(file_exists("mine.rdp"));
  EXPECT_FALSE(file_exists("ts1.rdp"));

  // It exists now: refused before the manager is asked.
  Harness again;
  EXPECT_EQ(again.run({"sessions", "connect", "se-1", "--output", "mine.rdp"}), kExitApiError);
  EXPECT_TRUE(again.fake.requests.empty());
  EXPECT_EQ(again.err.str(), "corralctl: mine.rdp exists: pass --force to replace it\n");
}

TEST_F(ConnectTest, DashWritesToStandardOutput) {
  Harness h;
  h.fake.answers.push_back(rdp("attachment; filename=\"ts1.rdp\""));
  ASSERT_EQ(h.run({"sessions", "connect", "se-1", "-o", "-"}), kExitOk) << h.err.str();
  EXPECT_EQ(h.out.str(), "full address:s:10.0.0.5:3389\r\nusername:s:alice\r\n");
  EXPECT_FALSE(file_exists("ts1.rdp"));
}

TEST_F(ConnectTest, ANotRdpServerIsTheManagersRefusal) {
  Harness h;
  h.fake.answers.push_back(
      response(409, R"({"code":409,"reason":"failed_precondition","message":"server ssh1 is not an RDP server"})"));
  EXPECT_EQ(h.run({"sessions", "connect", "se-1"}), kExitApiError);
  EXPECT_EQ(h.err.str(), "corralctl: server ssh1 is not an RDP server (HTTP 409 failed_precondition)\n");
}

TEST(RdpFileName, KeepsOnlyAPlainRdpName) {
  auto name = [](const std::string& disposition) {
    return rdp_file_name({{"content-disposition", disposition}}, "se-1");
  };
  EXPECT_EQ(name("attachment; filename=\"ts1.lab.rdp\""), "ts1.lab.rdp");
  EXPECT_EQ(name("attachment; filename=ts1.rdp"), "ts1.rdp");
  EXPECT_EQ(name("attachment; FILENAME=\"TS1.RDP\""), "TS1.RDP");
  EXPECT_EQ(name("attachment; filename=\"../etc/passwd.rdp\""), "session-se-1.rdp");
  EXPECT_EQ(name("attachment; filename=\"/tmp/x.rdp\""), "session-se-1.rdp");
  EXPECT_EQ(name("attachment; filename=\".hidden.rdp\""), "session-se-1.rdp");
  EXPECT_EQ(name("attachment; filename=\"ts1.sh\""), "session-se-1.rdp");
  EXPECT_EQ(name("attachment; filename=\"ts\x1b[1m.rdp\""), "session-se-1.rdp");
  EXPECT_EQ(name("attachment; filename*=UTF-8''x.rdp"), "session-se-1.rdp");
  EXPECT_EQ(name("attachment"), "session-se-1.rdp");
  EXPECT_EQ(rdp_file_name({}, "se-1"), "session-se-1.rdp");
}

}  // namespace
}  // namespace corral::cli
