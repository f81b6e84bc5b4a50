// LDAP config checks and mapping: every problem with its path, the password sealed and kept, and
// never shown.
#include "manager/api/ldap_config_check.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace corral::manager::api {
namespace {

namespace apiv1 = corral::api::v1;

apiv1::LdapConfig valid() {
  apiv1::LdapConfig c;
  c.set_name("corp");
  c.set_url("ldaps://dc1.example.local");
  c.set_bind_dn("svc-corral@example.local");
  c.set_bind_password("S3cret-pass");
  c.set_base_dn("DC=example,DC=local");
  return c;
}

std::vector<std::string> paths(const Violations& v) {
  std::vector<std::string> out;
  for (const auto& f : v) out.push_back(f.path);
  return out;
}

SecretBox box() { return SecretBox::from_key(std::string(32, 'k')).value(); }

TEST(LdapConfigCheck, AValidConfigPasses) { EXPECT_TRUE(check_ldap_config(valid(), nullptr).empty()); }

TEST(LdapConfigCheck, EveryProblemHasItsPath) {
  apiv1::LdapConfig c;
  c.set_id("x");
  c.set_revision(3);
  c.set_url("ldap://dc1");
  c.set_base_dn("CN=Users");
  c.set_ca_certificate("not pem");
  c.set_hostname_pattern("much-too-long-{random:9}");
  c.set_connect_timeout_ms(999'999);
  EXPECT_EQ(paths(check_ldap_config(c, nullptr)),
            (std::vector<std::string>{"/id", "/revision", "/name", "/startTls", "/bindDn", "/bindPassword",
                                      "/caCertificate", "/baseDn", "/connectTimeoutMs", "/hostnamePattern"}));
}

TEST(LdapConfigCheck, RedactedKeepsTheStoredPasswordOnlyOnUpdate) {
  apiv1::LdapConfig c = valid();
  c.set_bind_password("[redacted]");
  EXPECT_EQ(paths(check_ldap_config(c, nullptr)), std::vector<std::string>{"/bindPassword"});
  SecretBox secrets = box();
  store::LdapConfigRecord stored = ldap_config_record(valid(), nullptr, "id-1", secrets);
  EXPECT_TRUE(check_ldap_config(c, &stored).empty());
  store::LdapConfigRecord kept = ldap_config_record(c, &stored, "id-1", secrets);
  EXPECT_EQ(kept.bind_password_sealed, stored.bind_password_sealed);
  auto opened = directory_config(kept, secrets);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->bind_password, "S3cret-pass");
}

TEST(LdapConfigCheck, PasswordIsSealedForItsConfigAndNeverShown) {
  SecretBox secrets = box();
  store::LdapConfigRecord r = ldap_config_record(valid(), nullptr, "id-1", secrets);
  EXPECT_EQ(r.bind_password_sealed.find("S3cret-pass"), std::string::npos);
  EXPECT_TRUE(SecretBox::looks_sealed(r.bind_password_sealed));
  EXPECT_EQ(ldap_config_view(r).bind_password(), "[redacted]");
  // Copied to another config, the sealed value does not open.
  r.id = "id-2";
  EXPECT_FALSE(directory_config(r, secrets).ok());
}

TEST(LdapConfigCheck, DefaultsFillWhatIsLeftOut) {
  store::LdapConfigRecord r = ldap_config_record(valid(), nullptr, "id-1", box());
  EXPECT_EQ(r.connect_timeout_ms, kDefaultConnectTimeoutMs);
  EXPECT_EQ(r.operation_timeout_ms, kDefaultOperationTimeoutMs);
  EXPECT_TRUE(r.enabled);
  EXPECT_EQ(r.hostname_pattern, "corral-{random}");
}

}  // namespace
}  // namespace corral::manager::api
