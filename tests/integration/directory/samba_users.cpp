#include "tests/integration/directory/samba_users.h"

#include <ldap.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "manager/directory/ldap_connection.h"
#include "manager/directory/machine_password.h"
#include "tests/integration/directory/samba_ad.h"

namespace corral::testing {
namespace {

using manager::directory::LdapConnection;

// userAccountControl NORMAL_ACCOUNT: an enabled user.
constexpr char kNormalAccount[] = "512";

std::string user_dn(const std::string& name) { return "CN=" + name + "," + kUsersContainer; }

void must(const manager::directory::DirectoryStatus& s, const std::string& what) {
  if (s.ok() || s.ldap_code() == LDAP_ALREADY_EXISTS) return;
  std::fprintf(stderr, "samba_users: %s: %s\n", what.c_str(), s.message().c_str());
  std::abort();
}

void add_user(LdapConnection& ldap, const std::string& name) {
  auto pwd = manager::directory::unicode_pwd_value(kUserPassword);
  if (!pwd.ok()) std::abort();
  must(ldap.add(user_dn(name), {{"objectClass", {"top", "person", "organizationalPerson", "user"}},
                                {"cn", {name}},
                                {"sAMAccountName", {name}},
                                {"userPrincipalName", {name + "@example.local"}},
                                {"userAccountControl", {kNormalAccount}},
                                {"unicodePwd", {*pwd}}}),
       "adding user " + name);
}

void add_group(LdapConnection& ldap, const std::string& name, const std::vector<std::string>& members) {
  must(ldap.add(user_dn(name),
                {{"objectClass", {"top", "group"}}, {"cn", {name}}, {"sAMAccountName", {name}}, {"member", members}}),
       "adding group " + name);
}

}  // namespace

void ensure_sign_in_users() {
  static bool done = false;
  if (done) return;
  auto ldap = LdapConnection::open(samba_admin_config());
  if (!ldap.ok()) {
    std::fprintf(stderr, "samba_users: %s\n", ldap.status().message().c_str());
    std::abort();
  }
  for (const char* name : {"alice", "bob", "carol", "dave", "erin"}) add_user(ldap.value(), name);
  add_group(ldap.value(), "CorralNested", {user_dn("bob")});
  add_group(ldap.value(), "CorralStaff", {user_dn("alice"), user_dn("CorralNested")});
  done = true;
}

}  // namespace corral::testing
