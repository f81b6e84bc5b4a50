// Migration 6 (the broker's model) on a database written by the release before it: every
// existing row stays, and the new tables work with them (a server bound to an agent enrolled
// before the upgrade).
#include <gtest/gtest.h>

#include "manager/store/sqlite_migrations.h"
#include "manager/store/sqlite_migrator.h"
#include "tests/unit/manager/store/broker_fixture.h"

namespace corral::store {
namespace {

using test_support::kNow;
using test_support::RawDb;
using test_support::TempDir;

constexpr int kBeforeBroker = 5;

TEST(BrokerMigration, VersionFiveDatabaseKeepsItsRowsAndGainsTheBrokerTables) {
  TempDir dir;
  const std::string path = dir.file("v5.db");
  {
    sqlite3* created = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path.c_str(), &created, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr), SQLITE_OK);
    sqlite3_close_v2(created);
    RawDb raw(path);
    ASSERT_TRUE(apply_migrations(raw.get(), sqlite_migrations().first(kBeforeBroker), kNow).ok());
    raw.exec(
        "INSERT INTO agents (id, certificate_serial, enrolled_at, join_token_id, server_id) "
        "VALUES ('agent-1', '01', 1, 'tok', 'srv-from-token')");
    raw.exec("INSERT INTO agent_labels (agent_id, key, value) VALUES ('agent-1', 'rack', 'r1')");
    raw.exec(
        "INSERT INTO provider_configs (id, name, plugin, config_json, startup_script_template, max_instances, "
        "revision, created_at, updated_at, secret_paths) VALUES ('pc', 'local', 'local', '{}', '', 2, 3, 1, 2, "
        "'[\"/key\"]')");
    ASSERT_EQ(read_schema_version(raw.get()).value(), kBeforeBroker);
  }

  auto opened = SqliteStore::open(path);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  Store& store = **opened;
  EXPECT_EQ(store.schema_version().value(), sqlite_migrations().back().version);
  auto agent = store.agents().get("agent-1").value();
  ASSERT_TRUE(agent.has_value());
  EXPECT_EQ(agent->server_id, "srv-from-token");
  EXPECT_EQ(agent->labels.at("rack"), "r1");
  auto config = store.provider_configs().get("pc").value();
  ASSERT_TRUE(config.has_value());
  EXPECT_EQ(config->revision, 3u);
  EXPECT_EQ(config->secret_paths, std::vector<std::string>{"/key"});

  PoolRecord pool;
  pool.id = "p1";
  pool.name = "east";
  ASSERT_TRUE(store.pools().insert(pool).ok());
  ServerRecord server;
  server.id = "srv-from-token";
  server.pool_id = "p1";
  server.hostname = "rdp-01";
  ASSERT_TRUE(store.servers().insert(server).ok());
  EXPECT_EQ(store.servers().bind_agent("srv-from-token", "agent-1", kNow).value(), AgentBinding::bound);
  EXPECT_EQ(store.servers().find_by_agent("agent-1").value()->hostname, "rdp-01");
}

}  // namespace
}  // namespace corral::store
