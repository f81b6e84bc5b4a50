// A real SqliteStore on a file in a fresh directory, with builders for the common records, shared
// by the store's tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "manager/store/join_token_enrollment.h"
#include "manager/store/sqlite_store.h"
#include "tests/unit/manager/store/temp_dir.h"

namespace corral::store::test_support {

constexpr int64_t kNow = 1'700'000'000;
// The same instant in milliseconds, for the records that keep time in ms (events, leases).
constexpr int64_t kNowMs = kNow * 1000;

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

  Result<EnrollOutcome> consume_and_enroll(const std::string& token_id, int64_t now, const AgentRecord& a) {
    return consume_join_token_and_enroll(*store_, token_id, now, a);
  }

  // Puts a fresh token and enrolls `a` with it.
  void enroll(const AgentRecord& a) {
    ASSERT_TRUE(store_->join_tokens().insert(token("tok-" + a.id, kNow + 3600)).ok());
    auto outcome = consume_and_enroll("tok-" + a.id, kNow, a);
    ASSERT_TRUE(outcome.ok()) << outcome.status().to_string();
    ASSERT_EQ(*outcome, EnrollOutcome::enrolled) << enroll_outcome_name(*outcome);
  }

  bool agent_exists(const std::string& id) {
    auto got = store_->agents().get(id);
    EXPECT_TRUE(got.ok()) << got.status().to_string();
    return got.ok() && got->has_value();
  }

  JoinTokenRecord stored_token(const std::string& id) {
    auto got = store_->join_tokens().get(id);
    EXPECT_TRUE(got.ok()) << got.status().to_string();
    EXPECT_TRUE(got.ok() && got->has_value()) << id;
    return got.ok() && got->has_value() ? **got : JoinTokenRecord{};
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
};

}  // namespace corral::store::test_support
