// User sign-in against the Samba AD DC through the real manager: the directory decides the
// password, nested groups count, a user token reaches only the workspaces its groups allow and only
// its own sessions, failed attempts are slowed down, and no password reaches the manager's log.
#include <nlohmann/json.hpp>

#include "common/text.h"
#include "manager/store/sqlite_store.h"
#include "tests/integration/directory/samba_ad.h"
#include "tests/integration/directory/samba_users.h"
#include "tests/integration/harness/fleet_test.h"

namespace corral::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kWrongPassword[] = "Not-The-Password-9";

class UserSignInTest : public FleetTest {
 protected:
  void SetUp() override {
    FleetTest::SetUp();
    ensure_sign_in_users();
  }

  // The directory as an enabled LDAP config; with THROTTLE the back-off starts after 2 failures.
  std::unique_ptr<ManagerUnderTest> start_signed_in_manager() {
    auto m = start_manager("m", "sign_in:\n  free_failures: 2\n  backoff_seconds: 30\n");
    json config = {{"name", "samba"},
                   {"url", "ldaps://127.0.0.1"},
                   {"bindDn", "Administrator@example.local"},
                   {"bindPassword", samba_ad().admin_password},
                   {"caCertificate", samba_ad().ca_pem},
                   {"baseDn", "DC=example,DC=local"}};
    auto created = m->call("POST", "/api/v1/ldap-configs", config.dump());
    EXPECT_TRUE(created.ok() && created->status == 201) << (created.ok() ? created->body : "");
    return m;
  }

  static http::Response as_user(const ManagerUnderTest& m, const std::string& token, const std::string& method,
                                const std::string& path, const std::string& body = "") {
    http::Request r;
    r.method = method;
    r.url = m.api_url() + path;
    r.body = body;
    r.tls.ca_pem = m.ca_pem();
    if (!body.empty()) r.headers.emplace_back("Content-Type", "application/json");
    if (!token.empty()) r.headers.emplace_back("Authorization", "Bearer " + token);
    r.timeout = 30s;
    auto out = http::perform(r);
    EXPECT_TRUE(out.ok()) << out.status().to_string();
    return out.ok() ? *out : http::Response{};
  }

  static http::Response login(const ManagerUnderTest& m, const std::string& user, const std::string& password) {
    return as_user(m, "", "POST", "/api/v1/auth/login", json{{"username", user}, {"password", password}}.dump());
  }

  static std::string token_of(const ManagerUnderTest& m, const std::string& user) {
    http::Response r = login(m, user, kUserPassword);
    EXPECT_EQ(r.status, 200) << user << ": " << r.body;
    return r.status == 200 ? json::parse(r.body).value("token", "") : "";
  }

  static std::vector<std::string> workspace_names(const http::Response& r) {
    std::vector<std::string> names;
    for (const auto& w : json::parse(r.body).value("workspaces", json::array())) names.push_back(w["name"]);
    return names;
  }

  static std::string header(const http::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (ascii_iequals(k, name)) return v;
    }
    return "";
  }

  // Pool "east" with workspaces "staff-desk" (CorralStaff, by name) and "admins-desk" (Domain
  // Admins, by DN).
  static std::string add_workspaces(const ManagerUnderTest& m) {
    auto pool = m.call("POST", "/api/v1/pools", R"({"name":"east","type":"POOL_TYPE_SERVER"})");
    EXPECT_TRUE(pool.ok() && pool->status == 201);
    std::string pool_id = json::parse(pool->body)["id"];
    for (const auto& [name, group] : {std::pair{"staff-desk", "CorralStaff"},
                                      std::pair{"admins-desk", "CN=Domain Admins,CN=Users,DC=example,DC=local"}}) {
      json w = {{"name", name}, {"poolId", pool_id}, {"allowedGroups", {group}}};
      auto created = m.call("POST", "/api/v1/workspaces", w.dump());
      EXPECT_TRUE(created.ok() && created->status == 201) << (created.ok() ? created->body : "");
    }
    return pool_id;
  }
};

TEST_F(UserSignInTest, TheDirectoryDecidesThePasswordAndTheGroupsComeWithTheToken) {
  auto m = start_signed_in_manager();
  http::Response ok = login(*m, "alice", kUserPassword);
  ASSERT_EQ(ok.status, 200) << ok.body;
  json answer = json::parse(ok.body);
  EXPECT_TRUE(answer["token"].get<std::string>().starts_with("cusr."));
  EXPECT_EQ(answer["username"], "alice");
  EXPECT_NE(answer["groups"].dump().find("CorralStaff"), std::string::npos) << answer.dump();

  http::Response nested = login(*m, "BOB", kUserPassword);
  ASSERT_EQ(nested.status, 200) << nested.body;
  EXPECT_EQ(json::parse(nested.body)["username"], "bob") << "the directory's spelling";
  EXPECT_NE(nested.body.find("CorralStaff"), std::string::npos) << "through CorralNested: " << nested.body;

  http::Response wrong = login(*m, "carol", kWrongPassword);
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  http::Response unknown = login(*m, "nobody-here", kUserPassword);
  EXPECT_EQ(unknown.status, 401) << unknown.body;
  EXPECT_EQ(json::parse(unknown.body)["message"], json::parse(wrong.body)["message"]) << "no hint which was wrong";
  http::Response wildcard = login(*m, "*", kUserPassword);
  EXPECT_EQ(wildcard.status, 401) << "a filter metacharacter matches only itself";
  http::Response empty = login(*m, "alice", "");
  EXPECT_EQ(empty.status, 400) << "an empty password is an unauthenticated bind: refused before it";

  ASSERT_TRUE(m->process().wait_for_log("event=auth.sign_in_failed", 10s));
  const std::string log = m->process().log();
  EXPECT_EQ(log.find(kUserPassword), std::string::npos) << "a password in the log";
  EXPECT_EQ(log.find(kWrongPassword), std::string::npos) << "a password in the log";
}

TEST_F(UserSignInTest, AUserSeesTheWorkspacesItsGroupsAllowDirectlyOrNested) {
  auto m = start_signed_in_manager();
  add_workspaces(*m);
  const std::string alice = token_of(*m, "alice");
  const std::string bob = token_of(*m, "bob");
  const std::string carol = token_of(*m, "carol");

  EXPECT_EQ(workspace_names(as_user(*m, alice, "GET", "/api/v1/workspaces")), std::vector<std::string>{"staff-desk"});
  EXPECT_EQ(workspace_names(as_user(*m, bob, "GET", "/api/v1/workspaces")), std::vector<std::string>{"staff-desk"});
  EXPECT_TRUE(workspace_names(as_user(*m, carol, "GET", "/api/v1/workspaces")).empty());
  EXPECT_EQ(as_user(*m, bob, "GET", "/api/v1/workspaces/staff-desk").status, 200);
  EXPECT_EQ(as_user(*m, carol, "GET", "/api/v1/workspaces/staff-desk").status, 403);
  EXPECT_EQ(as_user(*m, alice, "GET", "/api/v1/workspaces/admins-desk").status, 403);
  // The admin still sees them all.
  auto all = m->call("GET", "/api/v1/workspaces");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(workspace_names(*all).size(), 2u);

  // Allowed: placement is tried (no server is ready, so the pool is full); not allowed: 403.
  EXPECT_EQ(as_user(*m, bob, "POST", "/api/v1/sessions", R"({"workspace":"staff-desk"})").status, 503);
  EXPECT_EQ(as_user(*m, carol, "POST", "/api/v1/sessions", R"({"workspace":"staff-desk"})").status, 403);
  EXPECT_EQ(as_user(*m, alice, "POST", "/api/v1/sessions", R"({"workspace":"admins-desk"})").status, 403);
  EXPECT_EQ(as_user(*m, alice, "POST", "/api/v1/sessions", R"({"workspace":"staff-desk","user":"bob"})").status, 403);
}

TEST_F(UserSignInTest, AUserTokenReachesOnlyItsOwnSessionsAndNoAdminRoute) {
  auto m = start_signed_in_manager();
  const std::string pool_id = add_workspaces(*m);
  // A server and one active session each for alice and bob, written into the stopped manager's
  // store: no agent is needed to own or end a session.
  m->stop();
  {
    auto store = store::SqliteStore::open(m->data_dir() + "/corral.db");
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    auto workspace = (*store)->workspaces().get_by_name("staff-desk");
    ASSERT_TRUE(workspace.ok() && workspace->has_value());
    store::ServerRecord server;
    server.id = "s1";
    server.pool_id = pool_id;
    server.hostname = "rdp-01";
    server.address = "10.0.0.1";
    server.connection_username = "EXAMPLE\\{sso_username}";
    server.max_sessions = 2;
    server.created_at = server.updated_at = 1;
    ASSERT_TRUE((*store)->servers().insert(server).ok());
    for (const char* user : {"alice", "bob"}) {
      store::SessionRecord s;
      s.id = std::string("session-") + user;
      s.workspace_id = (*workspace)->id;
      s.pool_id = pool_id;
      s.server_id = "s1";
      s.user = user;
      s.state = store::SessionState::active;
      s.agent_session_id = s.id;
      s.reserved_at = s.activated_at = 1;
      Status added = (*store)->sessions().insert(s);
      ASSERT_TRUE(added.ok()) << added.to_string();
    }
  }
  ASSERT_TRUE(m->start());
  const std::string alice = token_of(*m, "alice");

  http::Response mine = as_user(*m, alice, "GET", "/api/v1/sessions");
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_NE(mine.body.find("session-alice"), std::string::npos);
  EXPECT_EQ(mine.body.find("session-bob"), std::string::npos) << mine.body;
  EXPECT_EQ(as_user(*m, alice, "GET", "/api/v1/sessions?user=bob").status, 403);
  EXPECT_EQ(as_user(*m, alice, "GET", "/api/v1/sessions/session-bob").status, 403);
  EXPECT_EQ(as_user(*m, alice, "GET", "/api/v1/sessions/session-bob/connection.rdp").status, 403);
  EXPECT_EQ(as_user(*m, alice, "DELETE", "/api/v1/sessions/session-bob").status, 403);
  auto bobs = m->call("GET", "/api/v1/sessions/session-bob");
  ASSERT_TRUE(bobs.ok());
  EXPECT_EQ(json::parse(bobs->body)["state"], "SESSION_STATE_ACTIVE") << "bob's session runs on";

  // {sso_username} is the signed-in user's name.
  http::Response rdp = as_user(*m, alice, "GET", "/api/v1/sessions/session-alice/connection.rdp");
  ASSERT_EQ(rdp.status, 200) << rdp.body;
  EXPECT_NE(rdp.body.find("username:s:EXAMPLE\\alice"), std::string::npos) << rdp.body;
  http::Response ended = as_user(*m, alice, "DELETE", "/api/v1/sessions/session-alice");
  ASSERT_EQ(ended.status, 200) << ended.body;
  EXPECT_EQ(json::parse(ended.body)["endReason"], "SESSION_END_REASON_USER");

  for (const auto& [method, path] : {std::pair{"GET", "/api/v1/agents"}, std::pair{"GET", "/api/v1/ldap-configs"},
                                     std::pair{"GET", "/api/v1/admin-tokens"}, std::pair{"POST", "/api/v1/pools"},
                                     std::pair{"DELETE", "/api/v1/workspaces/staff-desk"}}) {
    http::Response r = as_user(*m, alice, method, path, std::string(method) == "POST" ? "{}" : "");
    EXPECT_EQ(r.status, 403) << method << " " << path << ": " << r.body;
  }

  // Signed out, the token is refused like any unknown one.
  EXPECT_EQ(as_user(*m, alice, "POST", "/api/v1/auth/logout").status, 204);
  EXPECT_EQ(as_user(*m, alice, "GET", "/api/v1/sessions").status, 401);
}

TEST_F(UserSignInTest, RepeatedFailuresAreSlowedDownPerUserAndPerAddress) {
  auto m = start_signed_in_manager();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(login(*m, "dave", kWrongPassword).status, 401) << "attempt " << i;
  http::Response held = login(*m, "dave", kUserPassword);
  EXPECT_EQ(held.status, 429) << "even the right password waits: " << held.body;
  EXPECT_GE(std::stoi(header(held, "Retry-After").empty() ? "0" : header(held, "Retry-After")), 1);
  ASSERT_TRUE(m->process().wait_for_log("event=auth.sign_in_throttled", 10s));
  // The address made the failures too: another user from it waits as well.
  EXPECT_EQ(login(*m, "erin", kUserPassword).status, 429);
  EXPECT_EQ(m->process().log().find(kWrongPassword), std::string::npos);
}

}  // namespace
}  // namespace corral::testing
