// Host::execute(): the manager's commands. Every command is answered; a refusal carries a
// CommandFailure so the manager can act on it without reading the message.
#include <algorithm>

#include "agent/host.h"
#include "common/log.h"
#include "common/text.h"

namespace corral::agent {
namespace {

using corral::agent::v1::Command;
namespace v1 = corral::agent::v1;

// Sanity bounds on what a manager names; its own ids are UUIDs.
constexpr size_t kMaxSessionIdBytes = 128;
constexpr size_t kMaxUserBytes = 256;
constexpr size_t kMaxWorkspaceIdBytes = 128;

const char* action_name(const Command& command) {
  switch (command.action_case()) {
    case Command::kDrain: return "drain";
    case Command::kLogoffSession: return "logoff_session";
    case Command::kSetMaxSessions: return "set_max_sessions";
    case Command::kShutdown: return "shutdown";
    case Command::kPrepareSession: return "prepare_session";
    case Command::kSetLabels: return "set_labels";
    case Command::ACTION_NOT_SET: break;
  }
  return "unknown";
}

Status check_id(const std::string& value, const char* field, size_t max_len) {
  if (value.empty()) return error(ErrorCode::invalid_argument, std::string(field) + " is missing");
  return check_printable(value, field, max_len);
}

Status check_prepare(const v1::PrepareSession& p) {
  if (Status s = check_id(p.session_id(), "session_id", kMaxSessionIdBytes); !s.ok()) return s;
  if (Status s = check_id(p.user(), "user", kMaxUserBytes); !s.ok()) return s;
  return check_printable(p.workspace_id(), "workspace_id", kMaxWorkspaceIdBytes);
}

}  // namespace

Host::Answer Host::prepare(const v1::PrepareSession& request) {
  if (Status s = check_prepare(request); !s.ok()) return {v1::COMMAND_FAILURE_INVALID_ARGUMENT, s.message()};
  refresh_sessions();
  const auto& sessions = capacity_.sessions();
  bool known = std::any_of(sessions.begin(), sessions.end(),
                           [&](const v1::Session& s) { return s.id() == request.session_id(); });
  // A repeat of a prepared session is answered as before whatever changed since: it holds its slot.
  if (!known && capacity_.draining()) {
    return {v1::COMMAND_FAILURE_DRAINING, "this agent is draining and takes no new sessions"};
  }
  if (!known && sessions.size() >= capacity_.max_sessions()) {
    return {v1::COMMAND_FAILURE_FULL,
            "this agent is at its maximum of " + std::to_string(capacity_.max_sessions()) + " sessions"};
  }
  auto outcome = backend_.prepare(request);
  if (!outcome.ok()) {
    bool conflict = outcome.status().code() == ErrorCode::already_exists;
    return {conflict ? v1::COMMAND_FAILURE_SESSION_CONFLICT : v1::COMMAND_FAILURE_BACKEND, outcome.status().message()};
  }
  refresh_sessions();
  if (*outcome == sessions::PrepareOutcome::already_prepared) return {{}, "already prepared"};
  log::info("agent.session_prepared",
            {{"session_id", request.session_id()}, {"user", request.user()}, {"workspace_id", request.workspace_id()}});
  return {};
}

Host::Answer Host::logoff(const std::string& session_id) {
  if (Status s = check_id(session_id, "session_id", kMaxSessionIdBytes); !s.ok()) {
    return {v1::COMMAND_FAILURE_INVALID_ARGUMENT, s.message()};
  }
  if (Status s = backend_.logoff(session_id); !s.ok()) {
    if (s.code() != ErrorCode::not_found) return {v1::COMMAND_FAILURE_BACKEND, s.message()};
    return {v1::COMMAND_FAILURE_UNKNOWN_SESSION,
            "no session " + session_id + " on this agent (never prepared, or already ended)"};
  }
  refresh_sessions();
  log::info("agent.session_ended", {{"session_id", session_id}, {"reason", "logoff"}});
  return {};
}

CommandOutcome Host::execute(const Command& command) {
  CommandOutcome out;
  Answer answer;
  switch (command.action_case()) {
    case Command::kDrain: capacity_.set_draining(command.drain().enabled()); break;
    case Command::kSetMaxSessions: capacity_.set_max_sessions(command.set_max_sessions().max_sessions()); break;
    case Command::kShutdown: out.shutdown = true; break;
    case Command::kPrepareSession: answer = prepare(command.prepare_session()); break;
    case Command::kLogoffSession: answer = logoff(command.logoff_session().session_id()); break;
    case Command::kSetLabels:
      if (Status s = set_labels(command.set_labels().labels()); !s.ok()) {
        answer = {v1::COMMAND_FAILURE_INVALID_ARGUMENT, s.message()};
      }
      break;
    case Command::ACTION_NOT_SET:
      // A command added in a later protocol version reads as no action here.
      answer = {v1::COMMAND_FAILURE_UNKNOWN_COMMAND, "unknown command"};
      break;
  }
  bool ok = answer.failure == v1::COMMAND_FAILURE_UNSPECIFIED;
  log::info("agent.command", {{"command_id", command.command_id()},
                              {"action", action_name(command)},
                              {"ok", ok},
                              {"failure", ok ? "" : v1::CommandFailure_Name(answer.failure)}});
  out.result.set_command_id(command.command_id());
  out.result.set_ok(ok);
  out.result.set_failure(answer.failure);
  out.result.set_message(std::move(answer.message));
  return out;
}

}  // namespace corral::agent
