// What a signed-in user (a user token) may reach through the routes that also serve admins: the
// workspaces one of their directory groups is allowed into, and the sessions whose user they are.
// The session and workspace routes call these; an admin caller (a null identity) skips them.
#pragma once

#include <string>

#include "manager/api/user_auth.h"
#include "manager/net/transport.h"
#include "manager/store/broker_records.h"

namespace corral::manager::api {

// The workspace allows one of the user's groups (nested membership included).
bool may_use_workspace(const UserIdentity& user, const store::WorkspaceRecord& workspace);
// The session is the user's own: its user is the name the directory signed them in as.
bool owns_session(const UserIdentity& user, const store::SessionRecord& session);
// 403 permission_denied naming WHAT the user may not reach.
HttpResponse not_yours(const std::string& what);

}  // namespace corral::manager::api
