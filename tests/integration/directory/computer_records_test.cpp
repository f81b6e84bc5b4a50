// manager/directory against a real Active Directory (Samba AD DC on loopback): what a record
// looks like, that the VM can use its password, deletion, and every failure step by name.
#include "manager/directory/computer_records.h"

#include <gtest/gtest.h>
#include <ldap.h>

#include <algorithm>

#include "common/encoding.h"

#include "manager/directory/ldap_connection.h"
#include "tests/integration/directory/samba_ad.h"

namespace corral::manager::directory {
namespace {

using corral::testing::samba_admin_config;

constexpr char kContainer[] = "CN=Computers,DC=example,DC=local";

ComputerRecords records(const DirectoryConfig& config, bool recursive = false, std::string owner = "manager-test",
                        std::string pattern = kDefaultHostnamePattern, RandomBytes random = system_random()) {
  ComputerPolicy policy;
  policy.container_dn = kContainer;
  policy.owner = std::move(owner);
  policy.recursive_delete = recursive;
  policy.hostname_pattern = std::move(pattern);
  auto r = ComputerRecords::make(config, policy, std::move(random));
  EXPECT_TRUE(r.ok()) << r.status().message();
  return std::move(r).value();
}

LdapConnection admin() {
  auto c = LdapConnection::open(samba_admin_config());
  EXPECT_TRUE(c.ok()) << c.status().message();
  return std::move(c).value();
}

DirectoryConfig as_computer(const std::string& hostname, const std::string& password) {
  DirectoryConfig c = samba_admin_config();
  c.bind_dn = computer_account_name(hostname) + "@example.local";
  c.bind_password = password;
  return c;
}

bool exists(const std::string& dn) {
  auto entry = admin().read(dn, {});
  EXPECT_TRUE(entry.ok()) << entry.status().message();
  return entry.ok() && entry.value().has_value();
}

TEST(ComputerRecordsSamba, RecordHasTheAttributesOfAWorkstation) {
  auto r = records(samba_admin_config());
  auto created = r.create();
  ASSERT_TRUE(created.ok()) << created.status().message();
  const ComputerRecord& rec = created.value();
  EXPECT_EQ(rec.hostname.size(), 15u);
  EXPECT_EQ(rec.dn, "CN=" + rec.hostname + "," + kContainer);

  auto entry =
      admin().read(rec.dn, {"objectClass", "sAMAccountName", "userAccountControl", "dNSHostName", "description"});
  ASSERT_TRUE(entry.ok()) << entry.status().message();
  ASSERT_TRUE(entry.value().has_value());
  const LdapEntry& e = *entry.value();
  EXPECT_NE(std::find(e.at("objectclass").begin(), e.at("objectclass").end(), "computer"), e.at("objectclass").end());
  EXPECT_EQ(e.at("samaccountname"), std::vector<std::string>{computer_account_name(rec.hostname)});
  EXPECT_EQ(e.at("useraccountcontrol"), std::vector<std::string>{"4096"});
  EXPECT_EQ(e.at("dnshostname"), std::vector<std::string>{rec.hostname + ".example.local"});
  EXPECT_EQ(e.at("description"), std::vector<std::string>{r.owner_mark()});
  EXPECT_TRUE(r.remove(rec.hostname).ok());
}

TEST(ComputerRecordsSamba, TheComputerBindsWithItsPasswordAndNoOther) {
  auto r = records(samba_admin_config());
  auto created = r.create();
  ASSERT_TRUE(created.ok()) << created.status().message();
  auto good = LdapConnection::open(as_computer(created->hostname, created->password));
  EXPECT_TRUE(good.ok()) << good.status().message();
  // AD does not answer "who am I": a base search proves the bind is usable.
  if (good.ok()) {
    EXPECT_TRUE(good->read("DC=example,DC=local", {}).ok());
  }

  auto bad = LdapConnection::open(as_computer(created->hostname, created->password + "x"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().step(), DirectoryStep::bind);
  EXPECT_EQ(bad.status().ldap_code(), LDAP_INVALID_CREDENTIALS);
  EXPECT_TRUE(r.remove(created->hostname).ok());
}

TEST(ComputerRecordsSamba, DeleteRemovesTheRecordAndAMissingOneIsFine) {
  auto r = records(samba_admin_config());
  auto created = r.create();
  ASSERT_TRUE(created.ok()) << created.status().message();
  ASSERT_TRUE(exists(created->dn));
  auto removed = r.remove(created->hostname);
  EXPECT_TRUE(removed.ok()) << removed.message();
  EXPECT_FALSE(exists(created->dn));
  auto again = r.remove(created->hostname);
  EXPECT_TRUE(again.ok()) << again.message();
}

TEST(ComputerRecordsSamba, RecursiveDeleteRemovesARecordWithAChild) {
  auto plain = records(samba_admin_config(), false);
  auto created = plain.create();
  ASSERT_TRUE(created.ok()) << created.status().message();
  const std::string child = "CN=corral-scp," + created->dn;
  auto added = admin().add(child, {{"objectClass", {"serviceConnectionPoint"}}, {"keywords", {"corral-test"}}});
  ASSERT_TRUE(added.ok()) << added.message();

  auto refused = plain.remove(created->hostname);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.step(), DirectoryStep::remove);
  EXPECT_EQ(refused.ldap_code(), LDAP_NOT_ALLOWED_ON_NONLEAF);
  EXPECT_NE(refused.message().find("turn on recursive delete"), std::string::npos) << refused.message();
  EXPECT_TRUE(exists(child));

  auto recursive = records(samba_admin_config(), true);
  auto removed = recursive.remove(created->hostname);
  EXPECT_TRUE(removed.ok()) << removed.message();
  EXPECT_FALSE(exists(child));
  EXPECT_FALSE(exists(created->dn));
}

TEST(ComputerRecordsSamba, EnsureIsIdempotentAndLeavesOthersRecordsAlone) {
  auto r = records(samba_admin_config());
  auto created = r.create();
  ASSERT_TRUE(created.ok()) << created.status().message();
  const std::string name = created->hostname;
  auto first = r.ensure(name);
  ASSERT_TRUE(first.ok()) << first.status().message();
  auto second = r.ensure(name);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_NE(first->password, second->password);
  EXPECT_TRUE(LdapConnection::open(as_computer(name, second->password)).ok());
  // AD still accepts a computer's previous password (machine password rotation), so the proof
  // that ensure() replaced it is the password from two generations ago.
  EXPECT_EQ(LdapConnection::open(as_computer(name, created->password)).status().ldap_code(), LDAP_INVALID_CREDENTIALS);

  auto other = records(samba_admin_config(), false, "another-manager");
  auto refused = other.ensure(name);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().step(), DirectoryStep::add);
  EXPECT_NE(refused.status().message().find("was not created by this manager"), std::string::npos);
  EXPECT_TRUE(LdapConnection::open(as_computer(name, second->password)).ok());
  EXPECT_TRUE(r.remove(name).ok());
}

TEST(ComputerRecordsSamba, ATakenNameIsReplacedByANewOne) {
  // The first name drawn is always "corral-aaaa" (zero bytes); later draws are random.
  auto first_zero = [calls = 0](size_t n) mutable { return calls++ == 0 ? std::string(n, '\0') : random_bytes(n); };
  auto taker = records(samba_admin_config());
  ASSERT_TRUE(taker.ensure("corral-aaaa").ok());

  auto r = records(samba_admin_config(), false, "manager-test", "corral-{random:4}", first_zero);
  auto created = r.create();
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_NE(created->hostname, "corral-aaaa");
  EXPECT_TRUE(created->hostname.starts_with("corral-"));
  EXPECT_TRUE(exists(created->dn));
  EXPECT_TRUE(r.remove(created->hostname).ok());
  EXPECT_TRUE(taker.remove("corral-aaaa").ok());
}

TEST(ComputerRecordsSamba, ListGivesOnlyTheRecordsCarryingThisManagersMark) {
  auto mine = records(samba_admin_config(), false, "manager-list");
  auto theirs = records(samba_admin_config(), false, "manager-other");
  auto a = mine.create();
  auto b = theirs.create();
  ASSERT_TRUE(a.ok() && b.ok());
  auto listed = mine.list();
  ASSERT_TRUE(listed.ok()) << listed.status().message();
  // The container also holds the DC's own account and other tests' records: none is listed.
  EXPECT_EQ(listed.value(), std::vector<std::string>{a->hostname});
  EXPECT_TRUE(mine.remove(a->hostname).ok());
  EXPECT_TRUE(mine.list().value().empty());
  EXPECT_TRUE(theirs.remove(b->hostname).ok());
}

TEST(ComputerRecordsSamba, StartTlsWorksLikeLdaps) {
  DirectoryConfig c = samba_admin_config();
  c.url = "ldap://127.0.0.1";
  c.start_tls = true;
  auto r = records(c);
  auto created = r.create();
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_TRUE(LdapConnection::open(as_computer(created->hostname, created->password)).ok());
  EXPECT_TRUE(r.remove(created->hostname).ok());
}

}  // namespace
}  // namespace corral::manager::directory
