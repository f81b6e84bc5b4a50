#include "manager/api/user_scope.h"

#include "manager/api/json.h"

namespace corral::manager::api {

bool may_use_workspace(const UserIdentity& user, const store::WorkspaceRecord& workspace) {
  return directory::groups_allow(workspace.allowed_groups, user.groups);
}

bool owns_session(const UserIdentity& user, const store::SessionRecord& session) {
  return session.user == user.username;
}

HttpResponse not_yours(const std::string& what) {
  return error_response(403, "permission_denied", "a user token cannot reach " + what);
}

}  // namespace corral::manager::api
