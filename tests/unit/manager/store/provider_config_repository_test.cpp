// Provider configs: CRUD, unique names, and the compare-and-set update on the revision.
#include <gtest/gtest.h>

#include "tests/unit/manager/store/store_fixture.h"

namespace corral::store {
namespace {

using test_support::kNow;
using test_support::SqliteStoreTest;

class ProviderConfigRepositoryTest : public SqliteStoreTest {
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

TEST_F(ProviderConfigRepositoryTest, CrudSurvivesReopenAndNamesAreUnique) {
  auto& configs = store_->provider_configs();
  ASSERT_TRUE(configs.insert(config("id-b", "beta")).ok());
  ASSERT_TRUE(configs.insert(config("id-a", "alpha")).ok());
  EXPECT_EQ(configs.insert(config("id-c", "alpha")).code(), ErrorCode::already_exists);
  EXPECT_EQ(configs.insert(config("id-a", "gamma")).code(), ErrorCode::already_exists);
  EXPECT_EQ(configs.insert(config("", "delta")).code(), ErrorCode::invalid_argument);

  ProviderConfigRecord changed = config("id-b", "beta2");
  changed.max_instances = 9;
  changed.updated_at = kNow + 5;
  changed.created_at = kNow + 99;  // an update never rewrites when it was created
  changed.revision = 77;           // nor takes the revision from the record
  ASSERT_EQ(configs.update(changed, 1).value(), ProviderConfigUpdate::updated);
  EXPECT_EQ(configs.update(config("nope", "x"), 1).value(), ProviderConfigUpdate::not_found);
  EXPECT_EQ(configs.update(config("id-b", "alpha"), 2).value(), ProviderConfigUpdate::name_taken);

  reopen();
  auto all = store_->provider_configs().list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "alpha");
  EXPECT_EQ((*all)[1].name, "beta2");
  EXPECT_EQ((*all)[1].max_instances, 9u);
  EXPECT_EQ((*all)[1].revision, 2u);
  EXPECT_EQ((*all)[1].created_at, kNow);
  EXPECT_EQ((*all)[1].updated_at, kNow + 5);

  ASSERT_TRUE(store_->provider_configs().remove("id-a").ok());
  EXPECT_EQ(store_->provider_configs().remove("id-a").code(), ErrorCode::not_found);
  auto gone = store_->provider_configs().get("id-a");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  auto kept = store_->provider_configs().get("id-b");
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_EQ((*kept)->config_json, R"({"state_dir":"/tmp/x"})");
}

TEST_F(ProviderConfigRepositoryTest, StaleRevisionIsRefusedAndWritesNothing) {
  auto& configs = store_->provider_configs();
  ASSERT_TRUE(configs.insert(config("id", "one")).ok());
  ProviderConfigRecord first = config("id", "one");
  first.max_instances = 5;
  ASSERT_EQ(configs.update(first, 1).value(), ProviderConfigUpdate::updated);

  // An editor who read revision 1 is now behind.
  ProviderConfigRecord stale = config("id", "renamed");
  stale.max_instances = 7;
  EXPECT_EQ(configs.update(stale, 1).value(), ProviderConfigUpdate::revision_mismatch);
  // A future revision is as wrong as a past one.
  EXPECT_EQ(configs.update(stale, 3).value(), ProviderConfigUpdate::revision_mismatch);
  auto got = configs.get("id").value();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->revision, 2u);
  EXPECT_EQ(got->name, "one");
  EXPECT_EQ(got->max_instances, 5u);

  EXPECT_EQ(configs.update(stale, 2).value(), ProviderConfigUpdate::updated);
  EXPECT_EQ(configs.get("id").value()->revision, 3u);
}

// Two managers on one database both read revision 1 and both write: only one becomes revision 2.
TEST_F(ProviderConfigRepositoryTest, TwoConnectionsUpdatingTheSameRevisionCannotBothWin) {
  ASSERT_TRUE(store_->provider_configs().insert(config("id", "shared")).ok());
  auto other = SqliteStore::open(path_);
  ASSERT_TRUE(other.ok()) << other.status().to_string();

  ProviderConfigRecord mine = config("id", "shared");
  mine.max_instances = 10;
  ProviderConfigRecord theirs = config("id", "shared");
  theirs.max_instances = 20;
  auto a = store_->provider_configs().update(mine, 1);
  auto b = (*other)->provider_configs().update(theirs, 1);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, ProviderConfigUpdate::updated);
  EXPECT_EQ(*b, ProviderConfigUpdate::revision_mismatch);
  auto seen_by_other = (*other)->provider_configs().get("id").value();
  EXPECT_EQ(seen_by_other->revision, 2u);
  EXPECT_EQ(seen_by_other->max_instances, 10u);
}

TEST_F(ProviderConfigRepositoryTest, SecretPathsAreKeptAndAbsentStaysAbsent) {
  auto& configs = store_->provider_configs();
  ProviderConfigRecord legacy = config("id-a", "alpha");  // saved without secret paths
  ProviderConfigRecord recorded = config("id-b", "beta");
  recorded.secret_paths = std::vector<std::string>{"/api_key", "/nested/pass~1word"};
  ProviderConfigRecord none = config("id-c", "gamma");
  none.secret_paths = std::vector<std::string>{};
  ASSERT_TRUE(configs.insert(legacy).ok());
  ASSERT_TRUE(configs.insert(recorded).ok());
  ASSERT_TRUE(configs.insert(none).ok());
  reopen();
  EXPECT_FALSE(store_->provider_configs().get("id-a").value()->secret_paths.has_value());
  EXPECT_EQ(store_->provider_configs().get("id-b").value()->secret_paths,
            (std::vector<std::string>{"/api_key", "/nested/pass~1word"}));
  EXPECT_EQ(store_->provider_configs().get("id-c").value()->secret_paths, std::vector<std::string>{});

  legacy.secret_paths = std::vector<std::string>{"/token"};
  ASSERT_EQ(store_->provider_configs().update(legacy, 1).value(), ProviderConfigUpdate::updated);
  EXPECT_EQ(store_->provider_configs().get("id-a").value()->secret_paths, std::vector<std::string>{"/token"});
}

}  // namespace
}  // namespace corral::store
