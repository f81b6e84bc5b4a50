// Servers: every field round trips (the password sealed), hostnames are unique per pool, updates
// are compare-and-set, agents are bound to one server each, flags change the revision only when
// they change, and a server with running sessions is not deleted.
#include <gtest/gtest.h>

#include "tests/unit/manager/store/broker_fixture.h"

namespace corral::store {
namespace {

using test_support::BrokerStoreTest;
using test_support::kNow;
using test_support::RawDb;

class ServerRepositoryTest : public BrokerStoreTest {
 protected:
  void SetUp() override {
    BrokerStoreTest::SetUp();
    ASSERT_TRUE(store_->pools().insert(pool("p1")).ok());
    ASSERT_TRUE(store_->pools().insert(pool("p2")).ok());
  }

  ServerRecord stored(const std::string& id) {
    auto got = store_->servers().get(id);
    EXPECT_TRUE(got.ok() && got->has_value()) << id << " " << got.status().to_string();
    return got.ok() && got->has_value() ? **got : ServerRecord{};
  }
};

TEST_F(ServerRepositoryTest, EveryFieldRoundTripsWithThePasswordSealed) {
  enroll(agent("agent-1", "01"));
  ServerRecord in = server("s1", "p1");
  in.hostname = "rdp-01";
  in.address = "10.0.0.5";
  in.connection_type = ConnectionType::vnc;
  in.connection_port = 5901;
  in.connection_username = "{sso_username}";
  in.connection_password_sealed = secrets_.seal("{sso_cred}", server_password_aad("s1"));
  in.max_sessions = 7;
  in.labels = {"os=win", "gpu", "os=win"};
  in.enabled = false;
  in.draining = true;
  in.origin = ServerOrigin::autoscaled;
  in.autoscale_config_id = "as-1";
  in.vm_id = "vm-1";
  in.agent_id = "agent-1";
  in.assigned_users = {"dana", "bob", "dana"};
  in.resource_overrides = {16000, int64_t{64} << 30, 2};
  in.created_at = kNow - 10;
  in.updated_at = kNow - 5;
  ASSERT_TRUE(store_->servers().insert(in).ok());
  reopen();

  ServerRecord s = stored("s1");
  EXPECT_EQ(s.pool_id, "p1");
  EXPECT_EQ(s.hostname, "rdp-01");
  EXPECT_EQ(s.address, "10.0.0.5");
  EXPECT_EQ(s.connection_type, ConnectionType::vnc);
  EXPECT_EQ(s.connection_port, 5901u);
  EXPECT_EQ(s.connection_username, "{sso_username}");
  EXPECT_EQ(s.connection_password_sealed, in.connection_password_sealed);
  EXPECT_EQ(s.max_sessions, 7u);
  EXPECT_EQ(s.labels, (LabelSet{"gpu", "os=win"}));
  EXPECT_FALSE(s.enabled);
  EXPECT_TRUE(s.draining);
  EXPECT_EQ(s.origin, ServerOrigin::autoscaled);
  EXPECT_EQ(s.autoscale_config_id, "as-1");
  EXPECT_EQ(s.vm_id, "vm-1");
  EXPECT_EQ(s.agent_id, "agent-1");
  EXPECT_EQ(s.assigned_users, (std::vector<std::string>{"bob", "dana"}));
  EXPECT_EQ(s.resource_overrides, in.resource_overrides);
  EXPECT_EQ(s.created_at, kNow - 10);
  EXPECT_EQ(s.updated_at, kNow - 5);
  EXPECT_EQ(s.revision, 1u);

  // Sealed for this server: it opens here and nowhere else.
  EXPECT_EQ(secrets_.open(s.connection_password_sealed, server_password_aad("s1")).value(), "{sso_cred}");
  EXPECT_FALSE(secrets_.open(s.connection_password_sealed, server_password_aad("s2")).ok());
  EXPECT_EQ(RawDb(path_).query("SELECT COUNT(*) FROM servers WHERE connection_password_sealed LIKE '%sso_cred%'"), "0");
}

TEST_F(ServerRepositoryTest, APlaintextPasswordIsRefusedAndNoPasswordIsFine) {
  ServerRecord plain = server("s1", "p1");
  plain.connection_password_sealed = "hunter2";
  Status s = store_->servers().insert(plain);
  EXPECT_EQ(s.code(), ErrorCode::invalid_argument);
  EXPECT_EQ(s.message().find("hunter2"), std::string::npos) << s.message();
  EXPECT_EQ(row_count("servers"), "0");
  ASSERT_TRUE(store_->servers().insert(server("s1", "p1")).ok());
  EXPECT_EQ(stored("s1").connection_password_sealed, "");
  ServerRecord update = stored("s1");
  update.connection_password_sealed = "hunter2";
  EXPECT_EQ(store_->servers().update(update, 1).status().code(), ErrorCode::invalid_argument);
}

TEST_F(ServerRepositoryTest, HostnamesAreUniquePerPoolAndThePoolMustExist) {
  auto& servers = store_->servers();
  ASSERT_TRUE(servers.insert(server("s1", "p1")).ok());
  ServerRecord twin = server("s2", "p1");
  twin.hostname = "host-s1";
  EXPECT_EQ(servers.insert(twin).code(), ErrorCode::already_exists);
  twin.pool_id = "p2";
  ASSERT_TRUE(servers.insert(twin).ok());
  EXPECT_EQ(servers.get_by_hostname("p1", "host-s1").value()->id, "s1");
  EXPECT_EQ(servers.get_by_hostname("p2", "host-s1").value()->id, "s2");
  EXPECT_FALSE(servers.get_by_hostname("p2", "nope").value().has_value());

  EXPECT_EQ(servers.insert(server("s3", "no-such-pool")).code(), ErrorCode::failed_precondition);
  ServerRecord no_host = server("s4", "p1");
  no_host.hostname.clear();
  EXPECT_EQ(servers.insert(no_host).code(), ErrorCode::invalid_argument);
  ServerRecord negative = server("s5", "p1");
  negative.resource_overrides.gpus = -1;
  EXPECT_EQ(servers.insert(negative).code(), ErrorCode::invalid_argument);
  ServerRecord empty_user = server("s6", "p1");
  empty_user.assigned_users = {""};
  EXPECT_EQ(servers.insert(empty_user).code(), ErrorCode::invalid_argument);
}

TEST_F(ServerRepositoryTest, UpdateReplacesSettingsButNotPoolAgentOrCreation) {
  enroll(agent("agent-1", "01"));
  auto& servers = store_->servers();
  ServerRecord first = server("s1", "p1");
  first.agent_id = "agent-1";
  ASSERT_TRUE(servers.insert(first).ok());
  ASSERT_TRUE(servers.insert(server("s2", "p1")).ok());

  ServerRecord edit = server("s1", "p2");  // a server never moves pool
  edit.hostname = "renamed";
  edit.connection_type = ConnectionType::ssh;
  edit.connection_port = 22;
  edit.connection_password_sealed = secrets_.seal("pw", server_password_aad("s1"));
  edit.max_sessions = 0;
  edit.labels = {"linux"};
  edit.assigned_users = {"erin"};
  edit.draining = true;
  edit.resource_overrides.cores_milli = 500;
  edit.agent_id = "";           // bindings go through bind_agent
  edit.created_at = kNow + 50;  // never rewritten
  edit.updated_at = kNow + 3;
  ASSERT_EQ(servers.update(edit, 1).value(), UpdateOutcome::updated);

  ServerRecord s = stored("s1");
  EXPECT_EQ(s.revision, 2u);
  EXPECT_EQ(s.pool_id, "p1");
  EXPECT_EQ(s.agent_id, "agent-1");
  EXPECT_EQ(s.created_at, kNow);
  EXPECT_EQ(s.updated_at, kNow + 3);
  EXPECT_EQ(s.hostname, "renamed");
  EXPECT_EQ(s.connection_type, ConnectionType::ssh);
  EXPECT_EQ(s.connection_port, 22u);
  EXPECT_EQ(s.connection_password_sealed, edit.connection_password_sealed);
  EXPECT_EQ(s.max_sessions, 0u);
  EXPECT_EQ(s.labels, LabelSet{"linux"});
  EXPECT_EQ(s.assigned_users, std::vector<std::string>{"erin"});
  EXPECT_TRUE(s.draining);
  EXPECT_EQ(s.resource_overrides.cores_milli, 500);

  ServerRecord stale = s;
  stale.labels = {"stale"};
  EXPECT_EQ(servers.update(stale, 1).value(), UpdateOutcome::revision_mismatch);
  EXPECT_EQ(stored("s1").labels, LabelSet{"linux"});
  stale.hostname = "host-s2";
  EXPECT_EQ(servers.update(stale, 2).value(), UpdateOutcome::name_taken);
  EXPECT_EQ(servers.update(server("ghost", "p1"), 1).value(), UpdateOutcome::not_found);
}

TEST_F(ServerRepositoryTest, AnAgentBacksAtMostOneServer) {
  enroll(agent("agent-1", "01"));
  enroll(agent("agent-2", "02"));
  auto& servers = store_->servers();
  ASSERT_TRUE(servers.insert(server("s1", "p1")).ok());
  ASSERT_TRUE(servers.insert(server("s2", "p1")).ok());

  EXPECT_EQ(servers.bind_agent("s1", "agent-1", kNow + 1).value(), AgentBinding::bound);
  EXPECT_EQ(stored("s1").revision, 2u);
  EXPECT_EQ(stored("s1").updated_at, kNow + 1);
  EXPECT_EQ(servers.find_by_agent("agent-1").value()->id, "s1");
  // Binding again changes nothing, not even the revision.
  EXPECT_EQ(servers.bind_agent("s1", "agent-1", kNow + 2).value(), AgentBinding::bound);
  EXPECT_EQ(stored("s1").revision, 2u);

  EXPECT_EQ(servers.bind_agent("s2", "agent-1", kNow).value(), AgentBinding::agent_taken);
  EXPECT_EQ(servers.bind_agent("s2", "agent-9", kNow).value(), AgentBinding::agent_not_found);
  EXPECT_EQ(servers.bind_agent("ghost", "agent-2", kNow).value(), AgentBinding::server_not_found);
  EXPECT_EQ(servers.bind_agent("s2", "", kNow).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(stored("s2").agent_id, "");
  EXPECT_EQ(stored("s2").revision, 1u);

  // Another agent replaces the first.
  EXPECT_EQ(servers.bind_agent("s1", "agent-2", kNow).value(), AgentBinding::bound);
  EXPECT_FALSE(servers.find_by_agent("agent-1").value().has_value());
  EXPECT_TRUE(servers.unbind_agent("s1", kNow).ok());
  EXPECT_FALSE(servers.find_by_agent("agent-2").value().has_value());
  EXPECT_EQ(stored("s1").revision, 4u);
  EXPECT_TRUE(servers.unbind_agent("s1", kNow).ok());
  EXPECT_EQ(stored("s1").revision, 4u);
  EXPECT_EQ(servers.unbind_agent("ghost", kNow).code(), ErrorCode::not_found);
  EXPECT_FALSE(servers.find_by_agent("").value().has_value());

  // Inserting with a taken agent is refused like any taken key.
  ServerRecord third = server("s3", "p1");
  third.agent_id = "agent-1";
  ASSERT_EQ(servers.bind_agent("s2", "agent-1", kNow).value(), AgentBinding::bound);
  EXPECT_EQ(servers.insert(third).code(), ErrorCode::already_exists);
}

TEST_F(ServerRepositoryTest, FlagsMoveTheRevisionOnlyWhenTheyChange) {
  auto& servers = store_->servers();
  ASSERT_TRUE(servers.insert(server("s1", "p1")).ok());
  ASSERT_TRUE(servers.set_draining("s1", true, kNow + 1).ok());
  ASSERT_TRUE(servers.set_draining("s1", true, kNow + 2).ok());
  ASSERT_TRUE(servers.set_enabled("s1", true, kNow + 3).ok());  // already enabled
  ServerRecord s = stored("s1");
  EXPECT_TRUE(s.draining);
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.revision, 2u);
  EXPECT_EQ(s.updated_at, kNow + 1);
  ASSERT_TRUE(servers.set_enabled("s1", false, kNow + 4).ok());
  ASSERT_TRUE(servers.set_draining("s1", false, kNow + 5).ok());
  s = stored("s1");
  EXPECT_FALSE(s.enabled);
  EXPECT_FALSE(s.draining);
  EXPECT_EQ(s.revision, 4u);
  EXPECT_EQ(servers.set_draining("ghost", true, kNow).code(), ErrorCode::not_found);
  EXPECT_EQ(servers.set_enabled("ghost", true, kNow).code(), ErrorCode::not_found);
  // An edit made from before the flags changed is stale.
  EXPECT_EQ(servers.update(server("s1", "p1"), 1).value(), UpdateOutcome::revision_mismatch);
}

TEST_F(ServerRepositoryTest, RemoveIsRefusedWhileSessionsRunAndKeepsEndedOnes) {
  ASSERT_TRUE(store_->servers().insert(server("s1", "p1")).ok());
  ASSERT_TRUE(store_->workspaces().insert(workspace("w1", "p1")).ok());
  add_session(reserved("x1", "p1", "s1", "w1"));
  add_session(reserved("x2", "p1", "s1", "w1"));
  ASSERT_EQ(store_->sessions().activate("x2", kNow + 1).value(), SessionActivation::activated);

  auto& servers = store_->servers();
  EXPECT_EQ(servers.remove("s1").value(), RemoveOutcome::has_sessions);
  ASSERT_EQ(store_->sessions().end("x1", SessionEndReason::expired_reservation, kNow + 60).value(),
            SessionEnding::ended);
  EXPECT_EQ(servers.remove("s1").value(), RemoveOutcome::has_sessions);  // x2 is still active
  ASSERT_EQ(store_->sessions().end("x2", SessionEndReason::server_deleted, kNow + 61).value(), SessionEnding::ended);
  EXPECT_EQ(servers.remove("s1").value(), RemoveOutcome::removed);
  EXPECT_EQ(servers.remove("s1").value(), RemoveOutcome::not_found);
  EXPECT_EQ(row_count("server_labels WHERE server_id = 's1'"), "0");

  auto kept = store_->sessions().get("x2").value();
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->server_id, "");
  EXPECT_EQ(kept->pool_id, "p1");
  EXPECT_EQ(kept->end_reason, SessionEndReason::server_deleted);
}

TEST_F(ServerRepositoryTest, ListFiltersByPoolAndPagesInIdOrder) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(store_->servers().insert(server("a" + std::to_string(i), i % 2 ? "p1" : "p2")).ok());
  }
  auto in_p1 = [&](const PageRequest& r) { return store_->servers().list({"p1"}, r); };
  auto every = [&](const PageRequest& r) { return store_->servers().list({}, r); };
  EXPECT_EQ(all_ids<ServerRecord>(2, in_p1), (std::vector<std::string>{"a1", "a3", "a5"}));
  EXPECT_EQ(all_ids<ServerRecord>(3, every), (std::vector<std::string>{"a0", "a1", "a2", "a3", "a4", "a5", "a6"}));
  auto page = store_->servers().list({"p2"}, {"a0", 10}).value();
  ASSERT_EQ(page.records.size(), 3u);
  EXPECT_EQ(page.records[0].id, "a2");
  EXPECT_EQ(page.records[0].labels, LabelSet{"os=win"});
  EXPECT_EQ(page.next_after_id, "");
  EXPECT_TRUE(store_->servers().list({"no-such-pool"}, {"", 10}).value().records.empty());
}

}  // namespace
}  // namespace corral::store
