// LDAP configs: every field survives a reopen, unique names, the compare-and-set update.
#include <gtest/gtest.h>

#include "tests/unit/manager/store/store_fixture.h"

namespace corral::store {
namespace {

using test_support::kNow;
using test_support::SqliteStoreTest;

class LdapConfigRepositoryTest : public SqliteStoreTest {
 protected:
  static LdapConfigRecord config(const std::string& id, const std::string& name) {
    LdapConfigRecord c;
    c.id = id;
    c.name = name;
    c.url = "ldaps://dc1.example.local";
    c.bind_dn = "svc-corral@example.local";
    c.bind_password_sealed = "v1:sealed";
    c.ca_certificate = "-----BEGIN CERTIFICATE-----\n...";
    c.base_dn = "DC=example,DC=local";
    c.connect_timeout_ms = 5000;
    c.operation_timeout_ms = 10000;
    c.computer_container_dn = "OU=Corral,DC=example,DC=local";
    c.hostname_pattern = "corral-{random}";
    c.revision = 1;
    c.created_at = kNow;
    c.updated_at = kNow;
    return c;
  }
};

TEST_F(LdapConfigRepositoryTest, EveryFieldSurvivesReopen) {
  LdapConfigRecord c = config("id-a", "corp");
  c.url = "ldap://dc2.example.local:3389";
  c.start_tls = true;
  c.enabled = false;
  c.recursive_delete = true;
  ASSERT_TRUE(store_->ldap_configs().insert(c).ok());
  reopen();
  auto got = store_->ldap_configs().get("id-a");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  const LdapConfigRecord& r = **got;
  EXPECT_EQ(r.name, "corp");
  EXPECT_EQ(r.url, c.url);
  EXPECT_TRUE(r.start_tls);
  EXPECT_EQ(r.bind_dn, c.bind_dn);
  EXPECT_EQ(r.bind_password_sealed, c.bind_password_sealed);
  EXPECT_EQ(r.ca_certificate, c.ca_certificate);
  EXPECT_EQ(r.base_dn, c.base_dn);
  EXPECT_EQ(r.connect_timeout_ms, 5000u);
  EXPECT_EQ(r.operation_timeout_ms, 10000u);
  EXPECT_FALSE(r.enabled);
  EXPECT_EQ(r.computer_container_dn, c.computer_container_dn);
  EXPECT_EQ(r.hostname_pattern, c.hostname_pattern);
  EXPECT_TRUE(r.recursive_delete);
  EXPECT_EQ(r.revision, 1u);
  EXPECT_EQ(r.created_at, kNow);
}

TEST_F(LdapConfigRepositoryTest, NamesAreUniqueAndUpdatesCompareTheRevision) {
  auto& configs = store_->ldap_configs();
  ASSERT_TRUE(configs.insert(config("id-b", "beta")).ok());
  ASSERT_TRUE(configs.insert(config("id-a", "alpha")).ok());
  EXPECT_EQ(configs.insert(config("id-c", "alpha")).code(), ErrorCode::already_exists);
  EXPECT_EQ(configs.insert(config("", "delta")).code(), ErrorCode::invalid_argument);

  LdapConfigRecord changed = config("id-b", "beta2");
  changed.base_dn = "DC=corp,DC=example,DC=local";
  changed.created_at = kNow + 99;  // an update never rewrites when it was created
  changed.revision = 77;           // nor takes the revision from the record
  ASSERT_EQ(configs.update(changed, 1).value(), LdapConfigUpdate::updated);
  EXPECT_EQ(configs.update(changed, 1).value(), LdapConfigUpdate::revision_mismatch);
  EXPECT_EQ(configs.update(config("nope", "x"), 1).value(), LdapConfigUpdate::not_found);
  EXPECT_EQ(configs.update(config("id-b", "alpha"), 2).value(), LdapConfigUpdate::name_taken);

  auto all = configs.list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "alpha");
  EXPECT_EQ((*all)[1].name, "beta2");
  EXPECT_EQ((*all)[1].base_dn, "DC=corp,DC=example,DC=local");
  EXPECT_EQ((*all)[1].revision, 2u);
  EXPECT_EQ((*all)[1].created_at, kNow);

  ASSERT_TRUE(configs.remove("id-b").ok());
  EXPECT_EQ(configs.remove("id-b").code(), ErrorCode::not_found);
  EXPECT_FALSE(configs.get("id-b").value().has_value());
}

}  // namespace
}  // namespace corral::store
