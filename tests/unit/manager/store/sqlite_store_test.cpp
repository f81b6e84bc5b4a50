#include "manager/store/sqlite_store.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <string>

#include "manager/store/sqlite_migrations.h"
#include "tests/unit/manager/store/temp_dir.h"

namespace corral::store {
namespace {

using google::protobuf::util::MessageDifferencer;
using test_support::RawDb;
using test_support::TempDir;

constexpr int64_t kNow = 1'700'000'000;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("corral.db");
    reopen();
  }

  void reopen() {
    store_.reset();
    auto opened = SqliteStore::open(path_);
    ASSERT_TRUE(opened.ok()) << opened.status().to_string();
    store_ = std::move(opened).value();
  }

  static JoinTokenRecord token(const std::string& id, int64_t expires_at) {
    JoinTokenRecord t;
    t.id = id;
    t.secret_sha256 = std::string(64, 'a');
    t.created_at = kNow - 100;
    t.expires_at = expires_at;
    return t;
  }

  static AgentRecord agent(const std::string& id, const std::string& serial, int64_t enrolled_at = kNow) {
    AgentRecord a;
    a.id = id;
    a.certificate_serial = serial;
    a.enrolled_at = enrolled_at;
    return a;
  }

  // Puts a fresh token and enrolls `a` with it.
  void enroll(const AgentRecord& a) {
    ASSERT_TRUE(store_->put_join_token(token("tok-" + a.id, kNow + 3600)).ok());
    Status s = store_->consume_join_token_and_enroll("tok-" + a.id, kNow, a);
    ASSERT_TRUE(s.ok()) << s.to_string();
  }

  bool agent_exists(const std::string& id) {
    auto got = store_->get_agent(id);
    EXPECT_TRUE(got.ok()) << got.status().to_string();
    return got.ok() && got->has_value();
  }

  JoinTokenRecord stored_token(const std::string& id) {
    auto got = store_->get_join_token(id);
    EXPECT_TRUE(got.ok()) << got.status().to_string();
    EXPECT_TRUE(got.ok() && got->has_value()) << id;
    return got.ok() && got->has_value() ? **got : JoinTokenRecord{};
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
};

int latest_version() { return sqlite_migrations().back().version; }

// --- opening and migrations -------------------------------------------------------------------

TEST_F(SqliteStoreTest, FreshDatabaseIsAtLatestVersionAndReopenIsIdempotent) {
  ASSERT_EQ(store_->schema_version().value(), latest_version());
  RawDb raw(path_);
  EXPECT_EQ(raw.query("SELECT COUNT(*) FROM schema_migrations"), std::to_string(sqlite_migrations().size()));
  std::string applied_at = raw.query("SELECT applied_at FROM schema_migrations WHERE version = 1");

  reopen();
  reopen();
  EXPECT_EQ(store_->schema_version().value(), latest_version());
  EXPECT_EQ(raw.query("SELECT COUNT(*) FROM schema_migrations"), std::to_string(sqlite_migrations().size()));
  // Not re-applied: the original row is untouched.
  EXPECT_EQ(raw.query("SELECT applied_at FROM schema_migrations WHERE version = 1"), applied_at);
}

TEST(SqliteMigrations, AreNumberedFromOneWithoutGaps) {
  auto migrations = sqlite_migrations();
  ASSERT_FALSE(migrations.empty());
  for (size_t i = 0; i < migrations.size(); ++i) EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1);
}

TEST_F(SqliteStoreTest, WalModeIsActiveAndPersistent) {
  RawDb raw(path_);
  // journal_mode=WAL is stored in the file, so a fresh connection sees it too.
  EXPECT_EQ(raw.query("PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteStoreTest, DatabaseFileIsPrivate) {
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(SqliteStoreTest, NewerSchemaVersionIsRefused) {
  store_.reset();
  const int future = latest_version() + 1;
  {
    RawDb raw(path_);
    raw.exec("INSERT INTO schema_migrations (version, applied_at) VALUES (" + std::to_string(future) + ", 1)");
  }
  auto opened = SqliteStore::open(path_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), ErrorCode::failed_precondition);
  EXPECT_NE(opened.status().message().find(std::to_string(future)), std::string::npos) << opened.status().message();
  EXPECT_NE(opened.status().message().find("(" + std::to_string(latest_version()) + ")"), std::string::npos)
      << opened.status().message();
}

TEST(SqliteStoreOpen, FileThatIsNotADatabaseIsRefused) {
  TempDir dir;
  std::string path = dir.file("garbage.db");
  {
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::string junk(4096, 'x');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  auto opened = SqliteStore::open(path);
  ASSERT_FALSE(opened.ok());
  // The error names the file, so an operator knows which one to look at.
  EXPECT_NE(opened.status().message().find(path), std::string::npos) << opened.status().message();
}

TEST(SqliteStoreOpen, MissingDirectoryIsAnErrorNotACrash) {
  TempDir dir;
  auto opened = SqliteStore::open(dir.file("no/such/dir/corral.db"));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), ErrorCode::unavailable);
  EXPECT_FALSE(SqliteStore::open("").ok());
}

// --- join tokens and enrollment ---------------------------------------------------------------

TEST_F(SqliteStoreTest, JoinTokenRoundTripAndDuplicateId) {
  JoinTokenRecord t = token("tok1", kNow + 60);
  t.labels = {{"pool", "gpu"}, {"site", "lyon"}};
  t.server_id = "srv-7";
  t.description = "for the autoscaler";
  ASSERT_TRUE(store_->put_join_token(t).ok());

  JoinTokenRecord got = stored_token("tok1");
  EXPECT_EQ(got.secret_sha256, t.secret_sha256);
  EXPECT_EQ(got.created_at, t.created_at);
  EXPECT_EQ(got.expires_at, t.expires_at);
  EXPECT_EQ(got.used_at, 0);
  EXPECT_EQ(got.used_by_agent, "");
  EXPECT_EQ(got.labels, t.labels);
  EXPECT_EQ(got.server_id, "srv-7");
  EXPECT_EQ(got.description, "for the autoscaler");

  JoinTokenRecord dup = token("tok1", kNow + 999);
  Status s = store_->put_join_token(dup);
  EXPECT_EQ(s.code(), ErrorCode::already_exists) << s.to_string();
  EXPECT_EQ(stored_token("tok1").expires_at, kNow + 60);

  auto missing = store_->get_join_token("nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(SqliteStoreTest, ConsumeEnrollsOnceThenReuseIsRefused) {
  ASSERT_TRUE(store_->put_join_token(token("tok1", kNow + 60)).ok());
  ASSERT_TRUE(store_->consume_join_token_and_enroll("tok1", kNow, agent("agent-a", "01")).ok());

  JoinTokenRecord used = stored_token("tok1");
  EXPECT_EQ(used.used_at, kNow);
  EXPECT_EQ(used.used_by_agent, "agent-a");
  auto a = store_->get_agent("agent-a");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->join_token_id, "tok1");
  EXPECT_EQ((*a)->certificate_serial, "01");

  Status again = store_->consume_join_token_and_enroll("tok1", kNow + 1, agent("agent-b", "02"));
  EXPECT_EQ(again.code(), ErrorCode::failed_precondition);
  EXPECT_EQ(again.message(), "token already used");
  EXPECT_FALSE(agent_exists("agent-b"));
  // The first use is kept.
  EXPECT_EQ(stored_token("tok1").used_by_agent, "agent-a");
  EXPECT_EQ(stored_token("tok1").used_at, kNow);
}

TEST_F(SqliteStoreTest, ExpiredTokenIsRefusedAndNothingIsWritten) {
  ASSERT_TRUE(store_->put_join_token(token("tok1", kNow)).ok());
  // Expiry is exclusive: at expires_at the token is already expired.
  for (int64_t now : {kNow, kNow + 1}) {
    Status s = store_->consume_join_token_and_enroll("tok1", now, agent("agent-a", "01"));
    EXPECT_EQ(s.code(), ErrorCode::failed_precondition);
    EXPECT_EQ(s.message(), "token expired");
  }
  EXPECT_FALSE(agent_exists("agent-a"));
  JoinTokenRecord t = stored_token("tok1");
  EXPECT_EQ(t.used_at, 0);
  EXPECT_EQ(t.used_by_agent, "");

  // One second earlier it was still good.
  EXPECT_TRUE(store_->consume_join_token_and_enroll("tok1", kNow - 1, agent("agent-a", "01")).ok());
}

TEST_F(SqliteStoreTest, UnknownTokenIsRefused) {
  Status s = store_->consume_join_token_and_enroll("ghost", kNow, agent("agent-a", "01"));
  EXPECT_EQ(s.code(), ErrorCode::not_found);
  EXPECT_FALSE(agent_exists("agent-a"));
  EXPECT_TRUE(store_->list_agents().value().empty());
}

TEST_F(SqliteStoreTest, DuplicateAgentIdRollsBackTheTokenUse) {
  enroll(agent("agent-a", "01"));
  ASSERT_TRUE(store_->put_join_token(token("tok2", kNow + 60)).ok());

  AgentRecord clash = agent("agent-a", "02", kNow + 5);
  clash.labels = {{"x", "y"}};
  Status s = store_->consume_join_token_and_enroll("tok2", kNow + 5, clash);
  EXPECT_EQ(s.code(), ErrorCode::already_exists) << s.to_string();
  EXPECT_NE(s.message().find("insert agent"), std::string::npos) << s.message();

  // The UPDATE of the token happened before the failing INSERT and must have been undone.
  JoinTokenRecord t = stored_token("tok2");
  EXPECT_EQ(t.used_at, 0);
  EXPECT_EQ(t.used_by_agent, "");
  auto a = store_->get_agent("agent-a");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->certificate_serial, "01");
  EXPECT_TRUE((*a)->labels.empty());
  EXPECT_EQ((*a)->join_token_id, "tok-agent-a");

  // The token is still usable for a proper enrollment.
  EXPECT_TRUE(store_->consume_join_token_and_enroll("tok2", kNow + 6, agent("agent-b", "02")).ok());
}

TEST_F(SqliteStoreTest, DuplicateCertificateSerialIsRefused) {
  enroll(agent("agent-a", "01"));
  ASSERT_TRUE(store_->put_join_token(token("tok2", kNow + 60)).ok());
  Status s = store_->consume_join_token_and_enroll("tok2", kNow, agent("agent-b", "01"));
  EXPECT_EQ(s.code(), ErrorCode::already_exists);
  EXPECT_EQ(stored_token("tok2").used_at, 0);
  EXPECT_FALSE(agent_exists("agent-b"));
}

TEST_F(SqliteStoreTest, EnrollmentRejectsInconsistentArguments) {
  ASSERT_TRUE(store_->put_join_token(token("tok1", kNow + 60)).ok());
  AgentRecord a = agent("agent-a", "01");
  a.join_token_id = "other";
  EXPECT_EQ(store_->consume_join_token_and_enroll("tok1", kNow, a).code(), ErrorCode::invalid_argument);
  EXPECT_EQ(store_->consume_join_token_and_enroll("tok1", 0, agent("agent-a", "01")).code(),
            ErrorCode::invalid_argument);
  EXPECT_EQ(store_->consume_join_token_and_enroll("tok1", kNow, agent("", "01")).code(), ErrorCode::invalid_argument);
  EXPECT_EQ(store_->consume_join_token_and_enroll("tok1", kNow, agent("agent-a", "")).code(),
            ErrorCode::invalid_argument);
  EXPECT_EQ(stored_token("tok1").used_at, 0);
  a.join_token_id = "tok1";
  EXPECT_TRUE(store_->consume_join_token_and_enroll("tok1", kNow, a).ok());
}

TEST_F(SqliteStoreTest, DeleteExpiredJoinTokensKeepsUsedAndLiveOnes) {
  JoinTokenRecord expired = token("expired", kNow - 10);
  expired.labels = {{"a", "b"}};
  ASSERT_TRUE(store_->put_join_token(expired).ok());
  ASSERT_TRUE(store_->put_join_token(token("expires-now", kNow)).ok());
  ASSERT_TRUE(store_->put_join_token(token("live", kNow + 10)).ok());
  ASSERT_TRUE(store_->put_join_token(token("used", kNow - 5)).ok());
  ASSERT_TRUE(store_->consume_join_token_and_enroll("used", kNow - 50, agent("agent-a", "01")).ok());

  auto deleted = store_->delete_expired_join_tokens(kNow);
  ASSERT_TRUE(deleted.ok()) << deleted.status().to_string();
  EXPECT_EQ(*deleted, 2);
  EXPECT_FALSE(store_->get_join_token("expired").value().has_value());
  EXPECT_FALSE(store_->get_join_token("expires-now").value().has_value());
  EXPECT_TRUE(store_->get_join_token("live").value().has_value());
  EXPECT_TRUE(store_->get_join_token("used").value().has_value());
  // The deleted token's labels went with it (foreign keys are on).
  RawDb raw(path_);
  EXPECT_EQ(raw.query("SELECT COUNT(*) FROM join_token_labels"), "0");

  EXPECT_EQ(store_->delete_expired_join_tokens(kNow).value(), 0);
}

// --- agents ------------------------------------------------------------------------------------

corral::agent::v1::Hello full_hello() {
  corral::agent::v1::Hello h;
  h.set_agent_version("0.1.0");
  h.set_os_family(corral::agent::v1::OS_FAMILY_WINDOWS);
  h.set_os_version("Windows Server 2022");
  h.set_hostname("rdp-01");
  h.add_addresses("10.0.0.5");
  h.add_addresses("fe80::1");
  h.add_backends(corral::agent::v1::BACKEND_KIND_RDP_WINDOWS);
  (*h.mutable_labels())["rack"] = "r12";
  return h;
}

corral::agent::v1::CapacityReport full_capacity() {
  corral::agent::v1::CapacityReport c;
  c.set_generation(42);
  c.set_max_sessions(8);
  c.set_draining(true);
  c.set_cores_total_milli(16000);
  c.set_cores_free_milli(4000);
  c.set_memory_total_bytes(uint64_t{64} << 30);
  c.set_memory_free_bytes(uint64_t{10} << 30);
  c.set_gpus_total(2);
  c.set_gpus_free(1);
  auto* s = c.add_sessions();
  s->set_id("s1");
  s->set_user("alice");
  s->set_state(corral::agent::v1::SESSION_STATE_ACTIVE);
  s->mutable_started_at()->set_seconds(kNow - 30);
  return c;
}

TEST_F(SqliteStoreTest, AgentHelloCapacityAndLabelsRoundTrip) {
  AgentRecord a = agent("agent-a", "0abc");
  a.labels = {{"pool", "gpu"}, {"site", "lyon"}};
  a.server_id = "srv-7";
  a.hello.set_hostname("at-enroll");
  enroll(a);

  ASSERT_TRUE(store_->update_agent_hello("agent-a", full_hello(), kNow + 10).ok());
  ASSERT_TRUE(store_->update_agent_capacity("agent-a", full_capacity()).ok());

  auto got = store_->get_agent("agent-a");
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status().to_string();
  const AgentRecord& r = **got;
  EXPECT_EQ(r.id, "agent-a");
  EXPECT_EQ(r.certificate_serial, "0abc");
  EXPECT_EQ(r.enrolled_at, kNow);
  EXPECT_EQ(r.last_seen, kNow + 10);
  EXPECT_EQ(r.revoked_at, 0);
  EXPECT_EQ(r.server_id, "srv-7");
  EXPECT_EQ(r.labels, a.labels);
  EXPECT_TRUE(MessageDifferencer::Equals(r.hello, full_hello())) << r.hello.DebugString();
  EXPECT_TRUE(MessageDifferencer::Equals(r.capacity, full_capacity())) << r.capacity.DebugString();

  auto all = store_->list_agents();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].labels, a.labels);
  EXPECT_TRUE(MessageDifferencer::Equals((*all)[0].hello, full_hello()));
  EXPECT_TRUE(MessageDifferencer::Equals((*all)[0].capacity, full_capacity()));

  // A later Hello replaces the earlier one; an older seen_at does not move last_seen back.
  corral::agent::v1::Hello second;
  second.set_hostname("renamed");
  ASSERT_TRUE(store_->update_agent_hello("agent-a", second, kNow + 5).ok());
  got = store_->get_agent("agent-a");
  EXPECT_TRUE(MessageDifferencer::Equals((*got)->hello, second));
  EXPECT_EQ((*got)->last_seen, kNow + 10);
}

TEST_F(SqliteStoreTest, UpdatesOfUnknownAgentAreNotFound) {
  EXPECT_EQ(store_->update_agent_hello("ghost", full_hello(), kNow).code(), ErrorCode::not_found);
  EXPECT_EQ(store_->update_agent_capacity("ghost", full_capacity()).code(), ErrorCode::not_found);
  EXPECT_EQ(store_->revoke_agent("ghost", kNow).code(), ErrorCode::not_found);
  auto got = store_->get_agent("ghost");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_F(SqliteStoreTest, ListAgentsIsOrderedByEnrollmentThenId) {
  enroll(agent("c", "03", kNow + 1));
  enroll(agent("b", "02", kNow));
  enroll(agent("a", "01", kNow + 1));
  auto all = store_->list_agents();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, "b");
  EXPECT_EQ((*all)[1].id, "a");
  EXPECT_EQ((*all)[2].id, "c");
}

TEST_F(SqliteStoreTest, BatchedLastSeenMovesForwardOnly) {
  enroll(agent("a", "01"));
  enroll(agent("b", "02"));
  enroll(agent("c", "03"));
  ASSERT_TRUE(store_->update_last_seen({{"a", kNow + 10}, {"ghost", kNow + 10}, {"b", kNow + 20}}).ok());
  EXPECT_EQ(store_->get_agent("a").value()->last_seen, kNow + 10);
  EXPECT_EQ(store_->get_agent("b").value()->last_seen, kNow + 20);
  EXPECT_EQ(store_->get_agent("c").value()->last_seen, 0);

  // Out-of-order batch: the older time for a is ignored, the newer for c applied; the same id
  // twice in one batch keeps the latest.
  ASSERT_TRUE(store_->update_last_seen({{"a", kNow + 5}, {"c", kNow + 30}, {"c", kNow + 31}, {"c", kNow + 29}}).ok());
  EXPECT_EQ(store_->get_agent("a").value()->last_seen, kNow + 10);
  EXPECT_EQ(store_->get_agent("c").value()->last_seen, kNow + 31);
  EXPECT_TRUE(store_->update_last_seen({}).ok());
}

TEST_F(SqliteStoreTest, LastSeenBatchIsOneTransaction) {
  constexpr int kAgents = 200;
  std::vector<std::pair<std::string, int64_t>> batch;
  for (int i = 0; i < kAgents; ++i) {
    std::string id = "agent-" + std::to_string(i);
    enroll(agent(id, "s" + std::to_string(i)));
    batch.emplace_back(id, kNow + i + 1);
  }
  RawDb raw(path_);
  // Empty the WAL, then count the frames the batch appends: every commit writes at least one
  // page frame, so one write per agent would append at least kAgents frames, while one
  // transaction rewrites only the few pages holding the rows.
  ASSERT_EQ(raw.query("PRAGMA wal_checkpoint(TRUNCATE)"), "0");
  ASSERT_EQ(std::filesystem::file_size(path_ + "-wal"), 0u);
  ASSERT_TRUE(store_->update_last_seen(batch).ok());

  const auto page_size = std::stoull(raw.query("PRAGMA page_size"));
  const auto wal_size = std::filesystem::file_size(path_ + "-wal");
  const auto frames = (wal_size - 32) / (24 + page_size);
  EXPECT_LT(frames, static_cast<uintmax_t>(kAgents / 4)) << "WAL frames appended by one batch: " << frames;
  EXPECT_EQ(raw.query("SELECT COUNT(*) FROM agents WHERE last_seen > 0"), std::to_string(kAgents));
}

TEST_F(SqliteStoreTest, RevokeKeepsFirstTimeAndListsSerials) {
  enroll(agent("a", "0a"));
  enroll(agent("b", "0b"));
  enroll(agent("c", "0c"));
  EXPECT_TRUE(store_->list_revoked_serials().value().empty());

  ASSERT_TRUE(store_->revoke_agent("c", kNow + 100).ok());
  ASSERT_TRUE(store_->revoke_agent("a", kNow + 200).ok());
  ASSERT_TRUE(store_->revoke_agent("c", kNow + 300).ok());
  EXPECT_EQ(store_->get_agent("c").value()->revoked_at, kNow + 100);
  EXPECT_EQ(store_->get_agent("a").value()->revoked_at, kNow + 200);
  EXPECT_EQ(store_->get_agent("b").value()->revoked_at, 0);
  EXPECT_EQ(store_->list_revoked_serials().value(), (std::vector<std::string>{"0c", "0a"}));
  EXPECT_EQ(store_->revoke_agent("b", 0).code(), ErrorCode::invalid_argument);
}

// --- admin tokens ------------------------------------------------------------------------------

TEST_F(SqliteStoreTest, AdminTokens) {
  EXPECT_TRUE(store_->list_admin_tokens().value().empty());
  ASSERT_TRUE(store_->put_admin_token({"adm2", std::string(64, 'b'), "ci", kNow}).ok());
  ASSERT_TRUE(store_->put_admin_token({"adm1", std::string(64, 'c'), "ops", kNow}).ok());
  ASSERT_TRUE(store_->put_admin_token({"adm0", std::string(64, 'd'), "first", kNow - 1}).ok());
  EXPECT_EQ(store_->put_admin_token({"adm1", "x", "again", kNow}).code(), ErrorCode::already_exists);

  auto tokens = store_->list_admin_tokens();
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 3u);
  EXPECT_EQ((*tokens)[0].id, "adm0");
  EXPECT_EQ((*tokens)[1].id, "adm1");
  EXPECT_EQ((*tokens)[1].name, "ops");
  EXPECT_EQ((*tokens)[1].secret_sha256, std::string(64, 'c'));
  EXPECT_EQ((*tokens)[1].created_at, kNow);
  EXPECT_EQ((*tokens)[2].id, "adm2");
}

// --- durability and safety ---------------------------------------------------------------------

TEST_F(SqliteStoreTest, DataSurvivesCloseAndReopen) {
  AgentRecord a = agent("agent-a", "0a");
  a.labels = {{"pool", "gpu"}};
  enroll(a);
  ASSERT_TRUE(store_->update_agent_hello("agent-a", full_hello(), kNow + 1).ok());
  ASSERT_TRUE(store_->update_agent_capacity("agent-a", full_capacity()).ok());
  ASSERT_TRUE(store_->update_last_seen({{"agent-a", kNow + 50}}).ok());
  ASSERT_TRUE(store_->revoke_agent("agent-a", kNow + 60).ok());
  JoinTokenRecord t = token("spare", kNow + 600);
  t.labels = {{"k", "v"}};
  ASSERT_TRUE(store_->put_join_token(t).ok());
  ASSERT_TRUE(store_->put_admin_token({"adm", "hash", "ops", kNow}).ok());

  reopen();

  auto got = store_->get_agent("agent-a");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->labels, a.labels);
  EXPECT_EQ((*got)->last_seen, kNow + 50);
  EXPECT_EQ((*got)->revoked_at, kNow + 60);
  EXPECT_TRUE(MessageDifferencer::Equals((*got)->hello, full_hello()));
  EXPECT_TRUE(MessageDifferencer::Equals((*got)->capacity, full_capacity()));
  EXPECT_EQ(stored_token("tok-agent-a").used_by_agent, "agent-a");
  EXPECT_EQ(stored_token("spare").labels, t.labels);
  EXPECT_EQ(store_->list_revoked_serials().value(), std::vector<std::string>{"0a"});
  ASSERT_EQ(store_->list_admin_tokens().value().size(), 1u);
}

TEST_F(SqliteStoreTest, ValuesAreBoundNotSpliced) {
  const std::string nasty = "x'); DROP TABLE agents; --";
  AgentRecord a = agent(nasty, "'01'");
  a.labels = {{"'k'", "\"v\""}};
  enroll(a);
  auto got = store_->get_agent(nasty);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->certificate_serial, "'01'");
  EXPECT_EQ((*got)->labels, a.labels);
  EXPECT_EQ(store_->list_agents().value().size(), 1u);
}

TEST_F(SqliteStoreTest, CorruptBlobIsReportedNotCrashed) {
  enroll(agent("agent-a", "01"));
  {
    RawDb raw(path_);
    raw.exec("UPDATE agents SET hello = x'ffffffff' WHERE id = 'agent-a'");
  }
  auto got = store_->get_agent("agent-a");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), ErrorCode::internal);
  EXPECT_NE(got.status().message().find("agent-a"), std::string::npos);
  EXPECT_FALSE(store_->list_agents().ok());
}

}  // namespace
}  // namespace corral::store

namespace corral::store {
namespace {

class ProviderConfigStoreTest : public SqliteStoreTest {
 protected:
  static ProviderConfigRecord config(const std::string& id, const std::string& name) {
    ProviderConfigRecord c;
    c.id = id;
    c.name = name;
    c.plugin = "local";
    c.config_json = R"({"state_dir":"/tmp/x"})";
    c.startup_script_template = "exec corral-agent --join-token {join_token}";
    c.max_instances = 3;
    c.revision = 1;
    c.created_at = kNow;
    c.updated_at = kNow;
    return c;
  }
};

TEST_F(ProviderConfigStoreTest, CrudSurvivesReopenAndNamesAreUnique) {
  ASSERT_TRUE(store_->put_provider_config(config("id-b", "beta")).ok());
  ASSERT_TRUE(store_->put_provider_config(config("id-a", "alpha")).ok());
  EXPECT_EQ(store_->put_provider_config(config("id-c", "alpha")).code(), ErrorCode::already_exists);
  EXPECT_EQ(store_->put_provider_config(config("id-a", "gamma")).code(), ErrorCode::already_exists);

  ProviderConfigRecord changed = config("id-b", "beta2");
  changed.max_instances = 9;
  changed.revision = 2;
  changed.updated_at = kNow + 5;
  changed.created_at = kNow + 99;  // an update never rewrites when it was created
  ASSERT_TRUE(store_->update_provider_config(changed).ok());
  EXPECT_EQ(store_->update_provider_config(config("nope", "x")).code(), ErrorCode::not_found);
  ProviderConfigRecord clash = config("id-b", "alpha");
  EXPECT_EQ(store_->update_provider_config(clash).code(), ErrorCode::already_exists);

  reopen();
  auto all = store_->list_provider_configs();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "alpha");
  EXPECT_EQ((*all)[1].name, "beta2");
  EXPECT_EQ((*all)[1].max_instances, 9u);
  EXPECT_EQ((*all)[1].revision, 2u);
  EXPECT_EQ((*all)[1].created_at, kNow);
  EXPECT_EQ((*all)[1].updated_at, kNow + 5);

  ASSERT_TRUE(store_->delete_provider_config("id-a").ok());
  EXPECT_EQ(store_->delete_provider_config("id-a").code(), ErrorCode::not_found);
  auto gone = store_->get_provider_config("id-a");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  auto kept = store_->get_provider_config("id-b");
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_EQ((*kept)->config_json, R"({"state_dir":"/tmp/x"})");
}

}  // namespace
}  // namespace corral::store
