// The agent's side of one agent-channel connection, without any socket: it is fed the envelopes
// the manager sent and returns the envelopes to send back, numbered by a Sequencer that starts at
// 1 with each connection. What the manager asks for is carried out by the Host, which outlives
// the connection. AgentRuntime creates one per connection on the core thread; unit tests drive it
// directly.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "agent/host.h"
#include "common/clock.h"
#include "common/ws/sequencer.h"
#include "corral/agent/v1/agent.pb.h"

namespace corral::agent {

inline constexpr std::chrono::seconds kDefaultHeartbeatInterval{10};

struct SessionOutput {
  // To send in this order; seq and ack are set.
  std::vector<corral::agent::v1::Envelope> frames;
  // This input was the manager's Welcome: heartbeats may start, the backoff may reset.
  bool welcomed = false;
  // The manager asked the agent to stop: send the frames, then close and exit.
  bool shutdown = false;
  // Non-empty: the manager broke the protocol; close this connection and reconnect.
  std::string protocol_error;
};

class AgentSession {
 public:
  // HOST outlives the session (it carries over to the next connection).
  AgentSession(Host& host, const Clock& clock);

  // The first frame of the connection: the Host's Hello.
  SessionOutput open();
  SessionOutput on_frame(const corral::agent::v1::Envelope& envelope);
  // A Heartbeat, and a CapacityReport if the capacity changed since the last one; nothing before
  // the Welcome.
  SessionOutput heartbeat();
  // A CapacityReport if the capacity changed since the last one sent on this connection (the
  // Welcome is always answered with one); nothing before the Welcome.
  SessionOutput report_if_changed();

  bool welcomed() const { return welcomed_; }
  const corral::agent::v1::Welcome& welcome() const { return welcome_; }
  // The Welcome's interval (the default until then, or when the manager sends 0).
  std::chrono::seconds heartbeat_interval() const;

 private:
  void emit(SessionOutput& out, corral::agent::v1::Envelope envelope);
  void emit_capacity(SessionOutput& out);
  void emit_capacity_if_changed(SessionOutput& out);
  void handle_command(SessionOutput& out, const corral::agent::v1::Command& command);
  SessionOutput fail(std::string why);

  Host& host_;
  const Clock& clock_;
  ws::Sequencer sequencer_;
  bool opened_ = false;
  bool welcomed_ = false;
  bool stopping_ = false;
  corral::agent::v1::Welcome welcome_;
  uint64_t reported_generation_ = 0;  // none yet: generations start at 1
};

}  // namespace corral::agent
