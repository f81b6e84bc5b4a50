// Directory users and groups for the sign-in tests, written into the Samba AD DC over LDAPS as
// Administrator: alice in CorralStaff directly, bob through the nested group CorralNested, carol
// in neither, and a few spare users. Idempotent, so every test may ask for them.
#pragma once

#include <string>

namespace corral::testing {

inline constexpr char kUserPassword[] = "Corral-User-1!";
inline constexpr char kUsersContainer[] = "CN=Users,DC=example,DC=local";
inline constexpr char kStaffGroupDn[] = "CN=CorralStaff,CN=Users,DC=example,DC=local";

// Creates the users and groups that are missing; aborts the test binary when the DC refuses.
void ensure_sign_in_users();

}  // namespace corral::testing
