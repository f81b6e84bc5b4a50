#include "agent/agent_session.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>

#include "common/log.h"

namespace corral::agent {
namespace {

using corral::agent::v1::Command;
using corral::agent::v1::Envelope;

// A manager asking for less than a second would have agents flood it; more than an hour would
// have it declare them missing.
constexpr uint32_t kMaxHeartbeatSeconds = 3600;

const char* action_name(const Command& command) {
  switch (command.action_case()) {
    case Command::kDrain: return "drain";
    case Command::kLogoffSession: return "logoff_session";
    case Command::kSetMaxSessions: return "set_max_sessions";
    case Command::kShutdown: return "shutdown";
    case Command::ACTION_NOT_SET: break;
  }
  return "unknown";
}

}  // namespace

AgentSession::AgentSession(corral::agent::v1::Hello hello, Capacity& capacity, const Clock& clock)
    : hello_(std::move(hello)), capacity_(capacity), clock_(clock) {}

std::chrono::seconds AgentSession::heartbeat_interval() const {
  uint32_t s = welcome_.heartbeat_interval_seconds();
  if (s == 0) return kDefaultHeartbeatInterval;
  return std::chrono::seconds(std::min(s, kMaxHeartbeatSeconds));
}

void AgentSession::emit(SessionOutput& out, Envelope envelope) {
  envelope.set_seq(sequencer_.next_seq());
  envelope.set_ack(sequencer_.last_peer_seq());
  out.frames.push_back(std::move(envelope));
}

void AgentSession::emit_capacity(SessionOutput& out) {
  Envelope e;
  *e.mutable_capacity_report() = capacity_.report();
  emit(out, std::move(e));
}

SessionOutput AgentSession::fail(std::string why) {
  SessionOutput out;
  out.protocol_error = std::move(why);
  return out;
}

SessionOutput AgentSession::open() {
  SessionOutput out;
  if (opened_) return out;
  opened_ = true;
  Envelope e;
  *e.mutable_hello() = hello_;
  emit(out, std::move(e));
  return out;
}

SessionOutput AgentSession::heartbeat() {
  SessionOutput out;
  if (!welcomed_ || stopping_) return out;
  Envelope e;
  *e.mutable_heartbeat()->mutable_sent_at() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(unix_seconds(clock_.now()));
  emit(out, std::move(e));
  emit_capacity(out);
  return out;
}

SessionOutput AgentSession::on_frame(const Envelope& envelope) {
  if (!opened_ || stopping_) return {};
  if (Status s = sequencer_.observe_peer_seq(envelope.seq()); !s.ok()) return fail(s.message());

  switch (envelope.body_case()) {
    case Envelope::kWelcome: {
      if (welcomed_) return fail("Welcome sent twice on one connection");
      welcomed_ = true;
      welcome_ = envelope.welcome();
      SessionOutput out;
      out.welcomed = true;
      // The manager learns the capacity at once instead of one heartbeat later.
      emit_capacity(out);
      return out;
    }
    case Envelope::kCommand: {
      if (!welcomed_) return fail("Command before Welcome");
      SessionOutput out;
      handle_command(out, envelope.command());
      return out;
    }
    case Envelope::kHeartbeat:
      // Not sent by today's manager; harmless if a later one does.
      if (!welcomed_) return fail("Heartbeat before Welcome");
      return {};
    case Envelope::BODY_NOT_SET:
      // A message a newer manager added to v1 (the codec let it through as unknown fields).
      return {};
    default: return fail("the manager may not send this message type");
  }
}

void AgentSession::handle_command(SessionOutput& out, const Command& command) {
  bool ok = true;
  std::string message;
  bool changed = false;
  switch (command.action_case()) {
    case Command::kDrain: changed = capacity_.set_draining(command.drain().enabled()); break;
    case Command::kSetMaxSessions:
      changed = capacity_.set_max_sessions(command.set_max_sessions().max_sessions());
      break;
    case Command::kShutdown:
      out.shutdown = true;
      stopping_ = true;
      break;
    case Command::kLogoffSession:
      // Sessions arrive with the session backends; until then this agent hosts none to log off.
      ok = false;
      message = "no session backend yet";
      break;
    case Command::ACTION_NOT_SET:
      // A command added in a later protocol version reads as no action here.
      ok = false;
      message = "unknown command";
      break;
  }
  log::info("agent.command", {{"command_id", command.command_id()}, {"action", action_name(command)}, {"ok", ok}});
  Envelope result;
  auto* r = result.mutable_command_result();
  r->set_command_id(command.command_id());
  r->set_ok(ok);
  r->set_message(message);
  emit(out, std::move(result));
  if (changed) emit_capacity(out);
}

}  // namespace corral::agent
