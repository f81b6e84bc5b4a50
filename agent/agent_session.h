// The agent's side of one agent-channel connection, without any I/O: it is fed the envelopes the
// manager sent and returns the envelopes to send back, numbered by a Sequencer that starts at 1
// with each connection. AgentRuntime creates one per connection on the core thread; unit tests
// drive it directly.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "agent/capacity.h"
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
  // CAPACITY outlives the session (it carries over to the next connection).
  AgentSession(corral::agent::v1::Hello hello, Capacity& capacity, const Clock& clock);

  // The first frame of the connection: Hello.
  SessionOutput open();
  SessionOutput on_frame(const corral::agent::v1::Envelope& envelope);
  // Heartbeat and a CapacityReport; nothing before the Welcome.
  SessionOutput heartbeat();

  bool welcomed() const { return welcomed_; }
  const corral::agent::v1::Welcome& welcome() const { return welcome_; }
  // The Welcome's interval (the default until then, or when the manager sends 0).
  std::chrono::seconds heartbeat_interval() const;

 private:
  void emit(SessionOutput& out, corral::agent::v1::Envelope envelope);
  void emit_capacity(SessionOutput& out);
  void handle_command(SessionOutput& out, const corral::agent::v1::Command& command);
  SessionOutput fail(std::string why);

  corral::agent::v1::Hello hello_;
  Capacity& capacity_;
  const Clock& clock_;
  ws::Sequencer sequencer_;
  bool opened_ = false;
  bool welcomed_ = false;
  bool stopping_ = false;
  corral::agent::v1::Welcome welcome_;
};

}  // namespace corral::agent
