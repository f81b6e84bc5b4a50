#include "manager/directory/ldap_filter.h"

#include <gtest/gtest.h>

#include "manager/directory/user_directory.h"

namespace corral::manager::directory {
namespace {

using namespace std::string_literals;

TEST(LdapFilter, EscapesEveryCharacterRfc4515Names) {
  EXPECT_EQ(escape_filter_value("alice"), "alice");
  EXPECT_EQ(escape_filter_value("*"), "\\2a");
  EXPECT_EQ(escape_filter_value("a)(objectClass=*"), "a\\29\\28objectClass=\\2a");
  EXPECT_EQ(escape_filter_value("back\\slash"), "back\\5cslash");
  EXPECT_EQ(escape_filter_value("nul\0byte"s), "nul\\00byte");
  // Other bytes stay as they are: UTF-8 names and the characters only DNs escape.
  EXPECT_EQ(escape_filter_value("Jürgen, O'Neil=x+y"), "Jürgen, O'Neil=x+y");
}

TEST(LdapFilter, FillsEveryPlaceholderWithTheEscapedName) {
  EXPECT_EQ(render_user_filter("(sAMAccountName={username})", "bob"), "(sAMAccountName=bob)");
  EXPECT_EQ(render_user_filter("(|(sAMAccountName={username})(userPrincipalName={username}))", "*"),
            "(|(sAMAccountName=\\2a)(userPrincipalName=\\2a))");
  // A name that looks like a placeholder is data, not a second substitution.
  EXPECT_EQ(render_user_filter("(uid={username})", "{username}"), "(uid={username})");
  EXPECT_EQ(render_user_filter(kDefaultUserFilter, "x)(|(a=*"),
            "(&(objectCategory=person)(objectClass=user)(sAMAccountName=x\\29\\28|\\28a=\\2a))");
}

TEST(LdapFilter, ChecksAConfiguredFilter) {
  EXPECT_TRUE(check_user_filter("(sAMAccountName={username})").ok());
  EXPECT_TRUE(check_user_filter(kDefaultUserFilter).ok());
  EXPECT_EQ(check_user_filter("sAMAccountName={username}").message(),
            "must be one LDAP filter in parentheses, e.g. (sAMAccountName={username})");
  EXPECT_EQ(check_user_filter("(a={username})(b=c)").message(), "must be one LDAP filter, not several side by side");
  EXPECT_EQ(check_user_filter("((a={username})").message(), "has unbalanced parentheses");
  EXPECT_EQ(check_user_filter("(sAMAccountName=alice)").message(),
            "must contain {username} where the signed-in name goes");
}

TEST(GroupsAllow, ByNameOrByDnWithoutRegardToCase) {
  const std::vector<DirectoryGroup> groups{{"CN=Staff,OU=Groups,DC=example,DC=local", "Staff"},
                                           {"CN=Everyone Nested,DC=example,DC=local", "everyone-nested"}};
  EXPECT_TRUE(groups_allow({"staff"}, groups));
  EXPECT_TRUE(groups_allow({"Other", "EVERYONE-NESTED"}, groups));
  EXPECT_TRUE(groups_allow({"cn=staff, ou=groups, dc=example, dc=local"}, groups));
  EXPECT_FALSE(groups_allow({"CN=Staff,DC=example,DC=local"}, groups)) << "another DN with the same CN";
  EXPECT_FALSE(groups_allow({"Stafff"}, groups));
  EXPECT_FALSE(groups_allow({}, groups)) << "an empty list allows nobody";
  EXPECT_FALSE(groups_allow({"Staff"}, {}));
}

}  // namespace
}  // namespace corral::manager::directory
