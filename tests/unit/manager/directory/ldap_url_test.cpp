#include "manager/directory/ldap_url.h"

#include <gtest/gtest.h>

namespace corral::manager::directory {
namespace {

TEST(LdapUrl, SchemesGiveTheirPorts) {
  auto a = parse_ldap_url("ldaps://dc1.example.local");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->ldaps);
  EXPECT_EQ(a->host, "dc1.example.local");
  EXPECT_EQ(a->port, 636);
  auto b = parse_ldap_url("ldap://127.0.0.1:3389/");
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->ldaps);
  EXPECT_EQ(b->port, 3389);
  auto c = parse_ldap_url("ldaps://[::1]:1636");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, 1636);
}

TEST(LdapUrl, RefusesWhatIsNotAServerAddress) {
  EXPECT_EQ(parse_ldap_url("http://x").status().message(), "url must start with ldaps:// or ldap://");
  EXPECT_EQ(parse_ldap_url("ldaps://").status().message(), "url has no host");
  EXPECT_EQ(parse_ldap_url("ldaps://x:0").status().message(), "url port must be a number from 1 to 65535");
  EXPECT_EQ(parse_ldap_url("ldaps://x:").status().message(), "url port must be a number from 1 to 65535");
  EXPECT_EQ(parse_ldap_url("ldaps://x/DC=a").status().message(),
            "url must be scheme://host[:port] with nothing after the port");
}

}  // namespace
}  // namespace corral::manager::directory
