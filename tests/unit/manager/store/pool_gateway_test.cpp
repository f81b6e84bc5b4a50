// A pool's RD Gateway (migration 7): it round trips through insert and update, a value that could
// break an .rdp file line is refused before anything is written, and a pool stored before the
// migration reads back with no gateway.
#include <gtest/gtest.h>

#include "manager/store/broker_validation.h"
#include "manager/store/sqlite_migrations.h"
#include "manager/store/sqlite_migrator.h"
#include "tests/unit/manager/store/broker_fixture.h"

namespace corral::store {
namespace {

using test_support::BrokerStoreTest;
using test_support::kNow;
using test_support::RawDb;
using test_support::TempDir;

class PoolGatewayTest : public BrokerStoreTest {};

TEST_F(PoolGatewayTest, RoundTripsThroughInsertUpdateAndReopen) {
  PoolRecord in = pool("p1");
  in.rd_gateway = {"gw.example.com", 8443};
  ASSERT_TRUE(store_->pools().insert(in).ok());
  reopen();
  EXPECT_EQ(store_->pools().get("p1").value()->rd_gateway, (RdGateway{"gw.example.com", 8443}));
  EXPECT_EQ(store_->pools().list({"", 10}).value().records.front().rd_gateway.hostname, "gw.example.com");

  PoolRecord edit = pool("p1");
  edit.rd_gateway = {"gw2.example.com", 0};
  ASSERT_EQ(store_->pools().update(edit, 1).value(), UpdateOutcome::updated);
  EXPECT_EQ(store_->pools().get_by_name("pool-p1").value()->rd_gateway, (RdGateway{"gw2.example.com", 0}));

  edit.rd_gateway = {};
  ASSERT_EQ(store_->pools().update(edit, 2).value(), UpdateOutcome::updated);
  EXPECT_EQ(store_->pools().get("p1").value()->rd_gateway, RdGateway{});
}

TEST_F(PoolGatewayTest, ValuesThatCouldBreakAnRdpLineAreRefusedAndNothingIsWritten) {
  struct Case {
    RdGateway gateway;
    const char* says;
  };
  const Case cases[] = {
      {{"gw.example.com\r\nusername:s:evil", 0}, "hostname"},
      {{"gw.example.com\n", 0}, "hostname"},
      {{"gw example.com", 0}, "hostname"},
      {{"gw;example.com", 0}, "hostname"},
      {{"gw\t.example.com", 0}, "hostname"},
      {{"gw.ex\xc3\xa4mple.com", 0}, "hostname"},
      {{std::string(256, 'a'), 0}, "longer than 255"},
      {{"gw.example.com", 65536}, "port"},
      {{"", 443}, "without a hostname"},
  };
  int n = 0;
  for (const Case& c : cases) {
    PoolRecord p = pool("p" + std::to_string(++n));
    p.rd_gateway = c.gateway;
    Status s = store_->pools().insert(p);
    EXPECT_EQ(s.code(), ErrorCode::invalid_argument) << c.gateway.hostname;
    EXPECT_NE(s.message().find(c.says), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("rd_gateway"), std::string::npos) << s.message();
  }
  EXPECT_EQ(row_count("pools"), "0");

  ASSERT_TRUE(store_->pools().insert(pool("ok")).ok());
  PoolRecord bad = pool("ok");
  bad.rd_gateway = {"a\nb", 0};
  EXPECT_EQ(store_->pools().update(bad, 1).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(store_->pools().get("ok").value()->revision, 1u);

  EXPECT_TRUE(check_rd_gateway({"[2001:db8::1]", 65535}).ok());
  EXPECT_TRUE(check_rd_gateway({"10.0.0.9", 0}).ok());
}

TEST(PoolGatewayMigration, APoolStoredBeforeMigrationSevenHasNoGateway) {
  constexpr int kBeforeGateway = 6;
  TempDir dir;
  const std::string path = dir.file("v6.db");
  {
    sqlite3* created = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path.c_str(), &created, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr), SQLITE_OK);
    sqlite3_close_v2(created);
    RawDb raw(path);
    ASSERT_TRUE(apply_migrations(raw.get(), sqlite_migrations().first(kBeforeGateway), kNow).ok());
    raw.exec(
        "INSERT INTO pools (id, name, type, server_assignment, created_at, updated_at, revision) "
        "VALUES ('p1', 'east', 'server', 0, 1, 2, 4)");
  }
  auto opened = SqliteStore::open(path);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  auto p = (*opened)->pools().get("p1").value();
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->rd_gateway, RdGateway{});
  EXPECT_EQ(p->revision, 4u);
  // The schema refuses a port no client could use, whatever writes the row.
  RawDb raw(path);
  EXPECT_NE(sqlite3_exec(raw.get(), "UPDATE pools SET rd_gateway_port = 65536", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_EQ(raw.query("SELECT rd_gateway_port FROM pools"), "0");
}

}  // namespace
}  // namespace corral::store
