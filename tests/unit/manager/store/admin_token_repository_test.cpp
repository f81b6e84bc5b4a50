#include <gtest/gtest.h>

#include "tests/unit/manager/store/store_fixture.h"

namespace corral::store {
namespace {

using test_support::kNow;
using test_support::SqliteStoreTest;

using AdminTokenRepositoryTest = SqliteStoreTest;

TEST_F(AdminTokenRepositoryTest, InsertListGetAndRemove) {
  auto& tokens = store_->admin_tokens();
  EXPECT_TRUE(tokens.list().value().empty());
  ASSERT_TRUE(tokens.insert({"adm2", std::string(64, 'b'), "ci", kNow}).ok());
  ASSERT_TRUE(tokens.insert({"adm1", std::string(64, 'c'), "ops", kNow}).ok());
  ASSERT_TRUE(tokens.insert({"adm0", std::string(64, 'd'), "first", kNow - 1}).ok());
  EXPECT_EQ(tokens.insert({"adm1", "x", "again", kNow}).code(), ErrorCode::already_exists);
  EXPECT_EQ(tokens.insert({"", "x", "no id", kNow}).code(), ErrorCode::invalid_argument);

  auto all = tokens.list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, "adm0");
  EXPECT_EQ((*all)[1].id, "adm1");
  EXPECT_EQ((*all)[1].name, "ops");
  EXPECT_EQ((*all)[1].secret_sha256, std::string(64, 'c'));
  EXPECT_EQ((*all)[1].created_at, kNow);
  EXPECT_EQ((*all)[2].id, "adm2");

  auto one = tokens.get("adm1");
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->name, "ops");
  EXPECT_EQ((*one)->secret_sha256, std::string(64, 'c'));
  EXPECT_FALSE(tokens.get("ghost").value().has_value());

  ASSERT_TRUE(tokens.remove("adm1").ok());
  EXPECT_EQ(tokens.remove("adm1").code(), ErrorCode::not_found);
  EXPECT_FALSE(tokens.get("adm1").value().has_value());
  ASSERT_EQ(tokens.list().value().size(), 2u);

  reopen();
  EXPECT_EQ(store_->admin_tokens().list().value().size(), 2u);
}

}  // namespace
}  // namespace corral::store
