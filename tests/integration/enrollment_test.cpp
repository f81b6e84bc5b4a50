// Enrollment end to end: real manager, real agent, real TLS.
#include <sqlite3.h>
#include <sys/stat.h>

#include "common/files.h"
#include "tests/integration/harness/enroll_client.h"
#include "tests/integration/harness/fleet_test.h"
#include "tests/unit/common/tls/openssl_test_util.h"

namespace corral::testing {
namespace {

using namespace std::chrono_literals;

// Moves the expiry of every unused join token in the manager's store to 1970-01-01T00:00:01Z
// through a second connection (WAL lets it write beside the manager's); returns the rows changed,
// -1 on an SQLite error.
int expire_join_tokens(const std::string& data_dir) {
  sqlite3* db = nullptr;
  int changed = -1;
  if (sqlite3_open_v2((data_dir + "/corral.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 10000);
    if (sqlite3_exec(db, "UPDATE join_tokens SET expires_at = 1 WHERE used_at = 0", nullptr, nullptr, nullptr) ==
        SQLITE_OK) {
      changed = sqlite3_changes(db);
    }
  }
  sqlite3_close(db);
  return changed;
}

class EnrollmentTest : public FleetTest {};

TEST_F(EnrollmentTest, AgentEnrollsConnectsAndReportsCapacity) {
  auto m = start_manager();
  std::string token = m->create_join_token(R"({"labels": {"site": "lab"}})");
  ASSERT_FALSE(token.empty());
  Process agent = start_agent(*m, work_, "a1", token, {"--max-sessions", "3"});
  ASSERT_TRUE(agent.wait_for_log("event=agent.welcome", 20s));
  std::string id = agent_id_from_log(agent);
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return m->agent_status(id) == "AGENT_STATUS_ONLINE"; }, 10s));

  auto r = m->call("GET", "/api/v1/agents/" + id);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(json_string_field(r->body, "hostname"), "a1");
  EXPECT_NE(r->body.find("\"maxSessions\":3"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("\"site\":\"lab\""), std::string::npos) << r->body;

  // The private key never left the host and is readable by the agent's user only.
  struct stat st {};
  ASSERT_EQ(::stat((work_ + "/a1/agent.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // The join token never reaches a log line.
  EXPECT_EQ(agent.log().find(token), std::string::npos);
  EXPECT_EQ(m->process().log().find(token), std::string::npos);
}

TEST_F(EnrollmentTest, ReusedTokenIsRefusedAndNothingIsStored) {
  auto m = start_manager();
  std::string token = m->create_join_token();
  Process first = start_agent(*m, work_, "a1", token);
  ASSERT_TRUE(first.wait_for_log("event=agent.welcome", 20s));

  Process second = start_agent(*m, work_, "a2", token);
  auto code = second.wait_exit(20s);
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_NE(second.log().find("token_used"), std::string::npos) << second.log();

  auto r = m->call("GET", "/api/v1/agents");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body.find("\"a2\""), std::string::npos) << "a refused enrollment left an agent behind: " << r->body;
}

TEST_F(EnrollmentTest, ExpiredTokenIsRefused) {
  auto m = start_manager();
  std::string token = m->create_join_token();
  ASSERT_FALSE(token.empty());
  // The token's lifetime passes in the store rather than on the clock: the running manager reads
  // the row at each enrollment, so the agent below meets a token that expired at 1970-01-01T00:00:01Z.
  ASSERT_EQ(expire_join_tokens(m->data_dir()), 1);
  Process agent = start_agent(*m, work_, "late", token);
  auto code = agent.wait_exit(20s);
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_NE(agent.log().find("token_expired"), std::string::npos) << agent.log();
  EXPECT_FALSE(file_exists(work_ + "/late/agent.crt"));
}

TEST_F(EnrollmentTest, MalformedAndUnknownTokensAreRefusedWithReasons) {
  auto m = start_manager();
  auto malformed = enroll_test_identity(*m, "not-a-token", "x");
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.status().message().find("token_malformed"), std::string::npos) << malformed.status().message();

  std::string real = m->create_join_token();
  // Same shape, other secret: must look exactly like an unknown token.
  std::string forged = real.substr(0, 4 + 16 + 1) + std::string(32, 'a') + real.substr(4 + 16 + 1 + 32);
  auto unknown = enroll_test_identity(*m, forged, "x");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("token_unknown"), std::string::npos) << unknown.status().message();
  // The real token is still usable: a refused attempt consumed nothing.
  EXPECT_TRUE(enroll_test_identity(*m, real, "x").ok());
}

// The agent listener would refuse such a certificate at the handshake, so it must not be issued:
// refused at enrollment, before the token is spent.
TEST_F(EnrollmentTest, CsrWithExplicitCurveParametersIsRefusedAndTheTokenStaysUsable) {
  auto m = start_manager();
  std::string token = m->create_join_token();
  tls::testing::PkeyPtr explicit_key = tls::testing::explicit_p256_key();
  ASSERT_TRUE(explicit_key);
  auto refused = enroll_test_identity(*m, token, "x", tls::testing::key_to_pem(explicit_key.get()));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("csr_invalid"), std::string::npos) << refused.status().message();
  EXPECT_NE(refused.status().message().find("explicit curve parameters"), std::string::npos)
      << refused.status().message();
  EXPECT_TRUE(enroll_test_identity(*m, token, "x").ok());
}

TEST_F(EnrollmentTest, AgentRefusesManagerWhoseCaDoesNotMatchTheToken) {
  auto a = start_manager("a");
  auto b = start_manager("b");
  std::string token_from_a = a->create_join_token();
  ASSERT_FALSE(token_from_a.empty());
  // Point the agent at manager B with A's token.
  Process agent = Process::start(agent_binary(), {"--data-dir", work_ + "/x", "--manager", b->api_url()},
                                 work_ + "/x.log", {{"CORRAL_JOIN_TOKEN", token_from_a}});
  auto code = agent.wait_exit(20s);
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_NE(agent.log().find("does not match"), std::string::npos) << agent.log();
  // B never saw the token: no enroll request reached it.
  EXPECT_EQ(b->process().log().find("path=/api/v1/enroll "), std::string::npos) << b->process().log();
}

TEST_F(EnrollmentTest, AgentWithoutAnyWayToVerifyTheManagerRefusesToEnroll) {
  auto m = start_manager();
  std::string token = m->create_join_token();
  // Strip the CA hash: cj1.<id>.<secret>
  std::string bare = token.substr(0, token.rfind('.'));
  Process agent = start_agent(*m, work_, "nohash", bare);
  auto code = agent.wait_exit(20s);
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_NE(agent.log().find("cannot verify the manager"), std::string::npos) << agent.log();

  // With the CA given out of band the same token works.
  Process ok = start_agent(*m, work_, "withca", bare, {"--ca-cert", m->data_dir() + "/ca.crt"});
  EXPECT_TRUE(ok.wait_for_log("event=agent.welcome", 20s));
}

}  // namespace
}  // namespace corral::testing
