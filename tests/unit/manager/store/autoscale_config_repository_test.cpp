// Autoscale configs: every field and schedule round trips, names are unique, the pool and the
// provider config must exist, updates are compare-and-set, and a config keeps its pool from
// being deleted.
#include <gtest/gtest.h>

#include "tests/unit/manager/store/broker_fixture.h"

namespace corral::store {
namespace {

using test_support::BrokerStoreTest;
using test_support::kNow;

class AutoscaleConfigRepositoryTest : public BrokerStoreTest {
 protected:
  void SetUp() override {
    BrokerStoreTest::SetUp();
    ASSERT_TRUE(store_->pools().insert(pool("p1")).ok());
    ASSERT_TRUE(store_->pools().insert(pool("p2", PoolType::docker_agent)).ok());
    for (const char* id : {"pc1", "pc2"}) {
      ProviderConfigRecord pc;
      pc.id = id;
      pc.name = std::string("provider-") + id;
      pc.plugin = "local";
      pc.config_json = "{}";
      pc.created_at = pc.updated_at = kNow;
      ASSERT_TRUE(store_->provider_configs().insert(pc).ok());
    }
  }

  static AutoscaleConfigRecord config(const std::string& id, const std::string& pool_id = "p1",
                                      const std::string& provider = "pc1") {
    AutoscaleConfigRecord c;
    c.id = id;
    c.name = "as-" + id;
    c.pool_id = pool_id;
    c.provider_config_id = provider;
    c.max_instances = 5;
    c.created_at = c.updated_at = kNow;
    return c;
  }
};

TEST_F(AutoscaleConfigRepositoryTest, EveryFieldRoundTrips) {
  AutoscaleConfigRecord in = config("a1");
  in.name = "east";
  in.enabled = false;
  in.deployment_zone = "eu-west-1a";
  in.priority = 7;
  in.dry_run = true;
  in.max_instances = 12;
  in.downscale_backoff_seconds = 60;
  in.provision_timeout_seconds = 1200;
  in.schedules = {{0x3e, 8 * 60, 18 * 60, "Europe/Berlin"}, {0x01, 22 * 60, 6 * 60, "UTC"}};
  in.hostname_pattern = "win-{random}";
  in.minimum_available_sessions = 4;
  in.max_sessions_per_server = 2;
  in.reusable = false;
  in.require_checkin = false;
  in.connection_type = ConnectionType::ssh;
  in.connection_port = 2222;
  in.connection_username = "{sso_username}";
  in.connection_password_sealed = secrets_.seal("pw", autoscale_password_aad("a1"));
  in.connection_info = R"({"k":1})";
  in.ad_create_machine_record = true;
  in.ldap_config_id = "ldap-1";
  in.ad_computer_container_dn = "OU=VMs,DC=example,DC=com";
  in.ad_recursive_machine_record_cleanup = true;
  in.standby_cores = 3;
  in.standby_memory_mb = 4096;
  in.standby_gpus = 1;
  in.agent_resource_overrides = {1500, 1 << 20, 2};
  in.created_at = kNow - 10;
  in.updated_at = kNow - 5;
  ASSERT_TRUE(store_->autoscale_configs().insert(in).ok());
  reopen();

  auto got = store_->autoscale_configs().get_by_name("east");
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status().to_string();
  AutoscaleConfigRecord expected = in;
  expected.revision = 1;
  const AutoscaleConfigRecord& c = **got;
  EXPECT_EQ(c.id, "a1");
  EXPECT_FALSE(c.enabled);
  EXPECT_EQ(c.deployment_zone, "eu-west-1a");
  EXPECT_EQ(c.priority, 7u);
  EXPECT_TRUE(c.dry_run);
  EXPECT_EQ(c.max_instances, 12);
  EXPECT_EQ(c.downscale_backoff_seconds, 60);
  EXPECT_EQ(c.provision_timeout_seconds, 1200);
  EXPECT_EQ(c.schedules, expected.schedules);
  EXPECT_EQ(c.hostname_pattern, "win-{random}");
  EXPECT_EQ(c.minimum_available_sessions, 4);
  EXPECT_EQ(c.max_sessions_per_server, 2);
  EXPECT_FALSE(c.reusable);
  EXPECT_FALSE(c.require_checkin);
  EXPECT_EQ(c.connection_type, ConnectionType::ssh);
  EXPECT_EQ(c.connection_port, 2222u);
  EXPECT_EQ(c.connection_username, "{sso_username}");
  EXPECT_EQ(secrets_.open(c.connection_password_sealed, autoscale_password_aad("a1")).value(), "pw");
  EXPECT_EQ(c.connection_info, R"({"k":1})");
  EXPECT_TRUE(c.ad_create_machine_record);
  EXPECT_EQ(c.ldap_config_id, "ldap-1");
  EXPECT_EQ(c.ad_computer_container_dn, "OU=VMs,DC=example,DC=com");
  EXPECT_TRUE(c.ad_recursive_machine_record_cleanup);
  EXPECT_EQ(c.standby_cores, 3);
  EXPECT_EQ(c.standby_memory_mb, 4096);
  EXPECT_EQ(c.standby_gpus, 1);
  EXPECT_EQ(c.agent_resource_overrides, in.agent_resource_overrides);
  EXPECT_EQ(c.created_at, kNow - 10);
  EXPECT_EQ(c.updated_at, kNow - 5);
  EXPECT_EQ(c.revision, 1u);
  EXPECT_EQ(store_->autoscale_configs().get("a1").value()->name, "east");
}

TEST_F(AutoscaleConfigRepositoryTest, InsertRefusesBrokenRecordsTakenNamesAndMissingReferences) {
  auto& configs = store_->autoscale_configs();
  ASSERT_TRUE(configs.insert(config("a1")).ok());
  AutoscaleConfigRecord same_name = config("a2");
  same_name.name = "as-a1";
  EXPECT_EQ(configs.insert(same_name).code(), ErrorCode::already_exists);
  Status no_pool = configs.insert(config("a3", "no-such-pool"));
  EXPECT_EQ(no_pool.code(), ErrorCode::failed_precondition);
  EXPECT_NE(no_pool.message().find("no pool no-such-pool"), std::string::npos) << no_pool.message();
  Status no_provider = configs.insert(config("a4", "p1", "no-such-provider"));
  EXPECT_EQ(no_provider.code(), ErrorCode::failed_precondition);
  EXPECT_NE(no_provider.message().find("no provider config"), std::string::npos) << no_provider.message();

  AutoscaleConfigRecord plaintext = config("a5");
  plaintext.connection_password_sealed = "hunter2";
  EXPECT_EQ(configs.insert(plaintext).code(), ErrorCode::invalid_argument);
  AutoscaleConfigRecord zero_cap = config("a6");
  zero_cap.max_instances = 0;
  EXPECT_EQ(configs.insert(zero_cap).code(), ErrorCode::invalid_argument);
  AutoscaleConfigRecord empty_window = config("a7");
  empty_window.schedules = {{kEveryDay, 60, 60, "UTC"}};
  EXPECT_EQ(configs.insert(empty_window).code(), ErrorCode::invalid_argument);
  AutoscaleConfigRecord no_days = config("a8");
  no_days.schedules = {{0, 60, 120, "UTC"}};
  EXPECT_EQ(configs.insert(no_days).code(), ErrorCode::invalid_argument);
  EXPECT_EQ(row_count("autoscale_configs"), "1");
}

TEST_F(AutoscaleConfigRepositoryTest, ListPagesInIdOrderAndFiltersByPoolAndProviderConfig) {
  auto& configs = store_->autoscale_configs();
  ASSERT_TRUE(configs.insert(config("a3", "p1", "pc2")).ok());
  ASSERT_TRUE(configs.insert(config("a1", "p1", "pc1")).ok());
  ASSERT_TRUE(configs.insert(config("a2", "p2", "pc1")).ok());
  auto all = all_ids<AutoscaleConfigRecord>(2, [&](const PageRequest& p) { return configs.list({}, p); });
  EXPECT_EQ(all, (std::vector<std::string>{"a1", "a2", "a3"}));
  auto in_p1 = all_ids<AutoscaleConfigRecord>(1, [&](const PageRequest& p) { return configs.list({"p1", ""}, p); });
  EXPECT_EQ(in_p1, (std::vector<std::string>{"a1", "a3"}));
  auto on_pc1 = all_ids<AutoscaleConfigRecord>(5, [&](const PageRequest& p) { return configs.list({"", "pc1"}, p); });
  EXPECT_EQ(on_pc1, (std::vector<std::string>{"a1", "a2"}));
  auto both = all_ids<AutoscaleConfigRecord>(5, [&](const PageRequest& p) { return configs.list({"p1", "pc2"}, p); });
  EXPECT_EQ(both, (std::vector<std::string>{"a3"}));
  EXPECT_EQ(configs.list({}, {"", 0}).status().code(), ErrorCode::invalid_argument);
}

TEST_F(AutoscaleConfigRepositoryTest, UpdateIsCompareAndSetAndReplacesSchedules) {
  auto& configs = store_->autoscale_configs();
  AutoscaleConfigRecord c = config("a1");
  c.schedules = {{kEveryDay, 0, 60, "UTC"}, {0x02, 60, 120, "UTC"}};
  ASSERT_TRUE(configs.insert(c).ok());
  ASSERT_TRUE(configs.insert(config("a2")).ok());

  c.name = "renamed";
  c.provider_config_id = "pc2";
  c.schedules = {{0x40, 600, 1440, "America/New_York"}};
  c.pool_id = "p2";  // not written: a config never moves
  EXPECT_EQ(configs.update(c, 1).value(), UpdateOutcome::updated);
  // The same base again: someone else's update won.
  c.name = "lost";
  EXPECT_EQ(configs.update(c, 1).value(), UpdateOutcome::revision_mismatch);
  AutoscaleConfigRecord got = *configs.get("a1").value();
  EXPECT_EQ(got.name, "renamed");
  EXPECT_EQ(got.pool_id, "p1");
  EXPECT_EQ(got.provider_config_id, "pc2");
  EXPECT_EQ(got.schedules, (AutoscaleSchedules{{0x40, 600, 1440, "America/New_York"}}));
  EXPECT_EQ(got.revision, 2u);

  got.name = "as-a2";
  EXPECT_EQ(configs.update(got, 2).value(), UpdateOutcome::name_taken);
  got.name = "renamed";
  got.provider_config_id = "gone";
  EXPECT_EQ(configs.update(got, 2).status().code(), ErrorCode::failed_precondition);
  AutoscaleConfigRecord missing = config("nope");
  EXPECT_EQ(configs.update(missing, 1).value(), UpdateOutcome::not_found);
  EXPECT_EQ(configs.get("a1").value()->revision, 2u);
  EXPECT_EQ(row_count("autoscale_schedules"), "1");
}

TEST_F(AutoscaleConfigRepositoryTest, ConfigsKeepTheirPoolAndProviderConfigAndGoWithTheirSchedules) {
  auto& configs = store_->autoscale_configs();
  AutoscaleConfigRecord c = config("a1", "p2", "pc2");
  c.schedules = {{kEveryDay, 0, 60, "UTC"}};
  ASSERT_TRUE(configs.insert(c).ok());
  EXPECT_EQ(store_->pools().remove("p2").value(), RemoveOutcome::has_autoscale_configs);
  // The provider config's delete is refused by the foreign key (the API names the configs first).
  EXPECT_FALSE(store_->provider_configs().remove("pc2").ok());

  EXPECT_EQ(configs.remove("a1").value(), RemoveOutcome::removed);
  EXPECT_EQ(configs.remove("a1").value(), RemoveOutcome::not_found);
  EXPECT_EQ(row_count("autoscale_schedules"), "0");
  EXPECT_EQ(store_->pools().remove("p2").value(), RemoveOutcome::removed);
  EXPECT_TRUE(store_->provider_configs().remove("pc2").ok());
}

}  // namespace
}  // namespace corral::store
