// What a request to /api/v1/sessions says, checked before the broker or the store sees it: the
// body of POST, the list filters and paging of GET, the end reason of DELETE. Pure functions, so
// every refusal is tested without a server.
#pragma once

#include <string_view>

#include "common/result.h"
#include "corral/api/v1/api.pb.h"
#include "corral/broker/v1/broker.pb.h"
#include "manager/store/page.h"
#include "manager/store/session_repository.h"

namespace corral::manager::api {

inline constexpr uint32_t kDefaultSessionPageSize = 500;
inline constexpr uint32_t kMaxSessionPageSize = 1000;

// A 400 invalid_argument with every problem of the body, each at its JSON Pointer ("/user");
// no field violations when the request is fine.
corral::api::v1::Error check_create_session(const corral::broker::v1::CreateSessionRequest& request);

struct SessionListQuery {
  store::SessionFilter filter;
  store::PageRequest page;
};

// GET /api/v1/sessions: poolId, serverId, workspaceId, user, state (reserved | active | ended),
// pageSize (1-1000, default 500), pageToken (hex of the last id of the page before).
// invalid_argument naming the parameter, for a bad value or one the route does not know.
Result<SessionListQuery> parse_session_list_query(std::string_view text);

// DELETE /api/v1/sessions/{id}: reason admin (the default) or user.
Result<store::SessionEndReason> parse_session_end_query(std::string_view text);

}  // namespace corral::manager::api
