#include "agent/agent_session.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>

namespace corral::agent {
namespace {

using corral::agent::v1::Command;
using corral::agent::v1::Envelope;

// A manager asking for less than a second would have agents flood it; more than an hour would
// have it declare them missing.
constexpr uint32_t kMaxHeartbeatSeconds = 3600;

}  // namespace

AgentSession::AgentSession(Host& host, const Clock& clock) : host_(host), clock_(clock) {}

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
  *e.mutable_capacity_report() = host_.capacity().report();
  reported_generation_ = host_.capacity().generation();
  emit(out, std::move(e));
}

// The generation moves exactly when a field of the report changes, so an unchanged generation
// is an unchanged report: the manager has it already.
void AgentSession::emit_capacity_if_changed(SessionOutput& out) {
  if (host_.capacity().generation() != reported_generation_) emit_capacity(out);
}

SessionOutput AgentSession::report_if_changed() {
  SessionOutput out;
  if (welcomed_ && !stopping_) emit_capacity_if_changed(out);
  return out;
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
  *e.mutable_hello() = host_.hello();
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
  emit_capacity_if_changed(out);
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
      // Before the first report, so a manager never sees the agent's own values for settings it owns.
      if (welcome_.has_settings()) host_.apply(welcome_.settings());
      SessionOutput out;
      out.welcomed = true;
      // Always, changed or not: after a reconnect the manager needs the capacity at once.
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
  CommandOutcome outcome = host_.execute(command);
  if (outcome.shutdown) {
    out.shutdown = true;
    stopping_ = true;
  }
  Envelope result;
  *result.mutable_command_result() = std::move(outcome.result);
  emit(out, std::move(result));
  // Not after a Shutdown: nothing more is sent then.
  if (!stopping_) emit_capacity_if_changed(out);
}

}  // namespace corral::agent
