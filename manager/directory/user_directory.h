// User sign-in against a directory (Active Directory): find the user's entry with the LDAP
// config's filter, bind as that entry with the password given, and read every group the user is
// in, nested groups included. Blocking, one connection per step: the sign-in route runs it on the
// "directory" worker pool. The password is used for the bind only; nothing here logs it.
#pragma once

#include <string>
#include <vector>

#include "manager/directory/directory_config.h"
#include "manager/directory/directory_status.h"

namespace corral::manager::directory {

// Persons only: a computer account ("HOST$") also has a sAMAccountName and a password, and an
// autoscaled VM knows its own.
inline constexpr char kDefaultUserFilter[] = "(&(objectCategory=person)(objectClass=user)(sAMAccountName={username}))";

struct DirectoryGroup {
  std::string dn;
  std::string name;  // sAMAccountName, else cn
};

struct DirectoryUser {
  std::string username;  // as the directory spells it (sAMAccountName), else as typed
  std::string dn;
  std::vector<DirectoryGroup> groups;  // direct and nested
};

enum class SignInOutcome {
  signed_in,
  unknown_user,         // no entry matches the filter in this directory: another config may know it
  invalid_credentials,  // the directory refused the user's bind, or the filter matched several entries
  unavailable,          // the directory could not be asked (unreachable, service account refused, ...)
};

struct SignInAnswer {
  SignInOutcome outcome = SignInOutcome::unavailable;
  DirectoryUser user;   // signed_in
  std::string problem;  // otherwise: why, for the log (never the password)
};

// CONFIG binds the service account that finds the user and reads the groups; USER_FILTER holds
// "{username}" (ldap_filter.h). An empty password is refused before anything is sent: a simple
// bind with a DN and no password is an unauthenticated bind, which a directory answers "success".
SignInAnswer sign_in(const DirectoryConfig& config, const std::string& user_filter, const std::string& username,
                     const std::string& password);

// Whether a user in GROUPS may use a workspace that allows ALLOWED: an entry with '=' is a group
// DN, compared without regard to case or the spaces after commas; any other entry is a group
// name. Nested membership is already in GROUPS. An empty ALLOWED allows nobody.
bool groups_allow(const std::vector<std::string>& allowed, const std::vector<DirectoryGroup>& groups);

}  // namespace corral::manager::directory
