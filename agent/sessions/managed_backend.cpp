#include "agent/sessions/managed_backend.h"

#include <google/protobuf/util/time_util.h>

namespace corral::agent::sessions {

using corral::agent::v1::Session;

Result<std::unique_ptr<ManagedBackend>> ManagedBackend::open(std::string path, const Clock& clock) {
  auto table = load_session_table(path);
  if (!table.ok()) return table.status();
  return std::unique_ptr<ManagedBackend>(new ManagedBackend(std::move(path), clock, std::move(table).value()));
}

ManagedBackend::ManagedBackend(std::string path, const Clock& clock, SessionTable table)
    : path_(std::move(path)), clock_(clock), table_(std::move(table)) {}

std::vector<Session> ManagedBackend::list() const {
  std::vector<Session> out;
  out.reserve(table_.size());
  for (const auto& [id, session] : table_) out.push_back(session);
  return out;
}

Status ManagedBackend::commit(SessionTable next) {
  if (Status s = save_session_table(path_, next); !s.ok()) return s;
  table_ = std::move(next);
  return {};
}

Result<PrepareOutcome> ManagedBackend::prepare(const corral::agent::v1::PrepareSession& request) {
  if (auto it = table_.find(request.session_id()); it != table_.end()) {
    const Session& known = it->second;
    if (known.user() == request.user() && known.workspace_id() == request.workspace_id()) {
      return PrepareOutcome::already_prepared;
    }
    return error(ErrorCode::already_exists,
                 "session " + request.session_id() + " is already prepared for another user or workspace");
  }
  Session session;
  session.set_id(request.session_id());
  session.set_user(request.user());
  session.set_workspace_id(request.workspace_id());
  session.set_state(corral::agent::v1::SESSION_STATE_ACTIVE);
  session.set_backend(kind());
  *session.mutable_started_at() = google::protobuf::util::TimeUtil::SecondsToTimestamp(unix_seconds(clock_.now()));
  SessionTable next = table_;
  next.emplace(session.id(), std::move(session));
  if (Status s = commit(std::move(next)); !s.ok()) return s;
  return PrepareOutcome::prepared;
}

Status ManagedBackend::logoff(const std::string& session_id) {
  if (!table_.contains(session_id)) return error(ErrorCode::not_found, "no session " + session_id + " on this host");
  SessionTable next = table_;
  next.erase(session_id);
  return commit(std::move(next));
}

}  // namespace corral::agent::sessions
