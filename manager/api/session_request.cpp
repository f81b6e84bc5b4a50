#include "manager/api/session_request.h"

#include <string>

#include "common/encoding.h"
#include "common/text.h"
#include "manager/api/query.h"
#include "manager/broker/broker_state.h"

namespace corral::manager::api {
namespace {

namespace apiv1 = corral::api::v1;

void add(apiv1::Error& e, const char* path, const std::string& message) {
  auto* v = e.add_field_violations();
  v->set_path(path);
  v->set_message(message);
}

// Both go into log lines, answers and the agent's PrepareSession: plain text, bounded as an agent
// bounds a session's user.
void check_text(apiv1::Error& e, const char* path, const std::string& value) {
  if (value.empty()) return add(e, path, "is required");
  if (!check_printable(value, path, broker::kMaxSessionUserBytes).ok()) {
    add(e, path,
        "must be printable text of at most " + std::to_string(broker::kMaxSessionUserBytes) +
            " bytes, without control characters");
  }
}

}  // namespace

apiv1::Error check_create_session(const corral::broker::v1::CreateSessionRequest& request) {
  apiv1::Error e;
  check_text(e, "/workspace", request.workspace());
  check_text(e, "/user", request.user());
  if (e.field_violations_size() == 0) return e;
  e.set_code(400);
  e.set_reason("invalid_argument");
  std::string message = "the session request has " + std::to_string(e.field_violations_size()) + " problem" +
                        (e.field_violations_size() == 1 ? "" : "s") + ":";
  for (const auto& v : e.field_violations()) message += " " + v.path() + ": " + v.message() + ";";
  message.pop_back();
  e.set_message(message);
  return e;
}

Result<SessionListQuery> parse_session_list_query(std::string_view text) {
  auto query = QueryParams::parse(text);
  if (!query.ok()) return query.status();
  SessionListQuery out;
  auto size = query->take_uint("pageSize", kDefaultSessionPageSize, 1, kMaxSessionPageSize);
  if (!size.ok()) return size.status();
  out.page.size = *size;
  if (auto token = query->take("pageToken"); token && !token->empty()) {
    auto decoded = from_hex(*token);
    if (!decoded) {
      return error(ErrorCode::invalid_argument, "query parameter pageToken is not one this manager issued");
    }
    out.page.after_id = std::move(*decoded);
  }
  out.filter.pool_id = query->take("poolId").value_or("");
  out.filter.server_id = query->take("serverId").value_or("");
  out.filter.workspace_id = query->take("workspaceId").value_or("");
  out.filter.user = query->take("user").value_or("");
  if (auto state = query->take("state")) {
    out.filter.state = store::parse_session_state(*state);
    if (!out.filter.state) {
      return error(ErrorCode::invalid_argument,
                   "query parameter state must be reserved, active or ended, got '" + state->substr(0, 32) + "'");
    }
  }
  if (Status s = query->check_all_taken(); !s.ok()) return s;
  return out;
}

Result<store::SessionEndReason> parse_session_end_query(std::string_view text) {
  auto query = QueryParams::parse(text);
  if (!query.ok()) return query.status();
  store::SessionEndReason reason = store::SessionEndReason::admin;
  if (auto given = query->take("reason")) {
    if (*given == "user") {
      reason = store::SessionEndReason::user;
    } else if (*given != "admin") {
      return error(ErrorCode::invalid_argument,
                   "query parameter reason must be admin or user, got '" + given->substr(0, 32) + "'");
    }
  }
  if (Status s = query->check_all_taken(); !s.ok()) return s;
  return reason;
}

}  // namespace corral::manager::api
