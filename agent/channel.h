// The thread boundary between the agent's network thread and its core, as in the manager: the
// channel owns the socket and TLS, the core owns all state. The channel calls ChannelEvents from
// its own thread (the core posts them to itself); the core calls Channel methods, which queue
// work and wake the network thread. LwsChannel implements it; tests may fake it.
#pragma once

#include <cstdint>
#include <string>

#include "common/ws/close_codes.h"
#include "corral/agent/v1/agent.pb.h"

namespace corral::agent {

// Names one connection attempt; chosen by the core, so events of an old attempt that arrive
// after a newer one started can be told apart and dropped.
using ConnectionId = uint64_t;

// Close codes are shared with the manager: common/ws/close_codes.h.
using ws::kCloseGoingAway;
using ws::kCloseNormal;
using ws::kCloseProtocolError;
using ws::kCloseRevoked;

struct CloseInfo {
  // The manager's websocket close code; 0 when it sent none (refused, dropped, failed to connect).
  uint16_t code = 0;
  std::string reason;
};

// Called on the network thread; implementations must not block.
class ChannelEvents {
 public:
  virtual ~ChannelEvents() = default;
  // The websocket is open (TLS verified both ways, subprotocol agreed).
  virtual void on_channel_open(ConnectionId id) = 0;
  // One complete, decoded envelope. Undecodable or oversized messages never get here: the
  // channel closes that connection and reports it closed.
  virtual void on_channel_envelope(ConnectionId id, corral::agent::v1::Envelope envelope) = 0;
  // Exactly once per connect(), whether the attempt failed or an open connection ended.
  virtual void on_channel_closed(ConnectionId id, CloseInfo info) = 0;
};

// Every method is safe to call from any thread.
class Channel {
 public:
  virtual ~Channel() = default;
  // Starts a connection attempt; the previous one must have been reported closed.
  virtual void connect(ConnectionId id) = 0;
  virtual void send(ConnectionId id, const corral::agent::v1::Envelope& envelope) = 0;
  // Closes after the frames queued before it are written.
  virtual void close(ConnectionId id, uint16_t code, const std::string& reason) = 0;
  // Drops any connection and joins the network thread. Idempotent; no events after it returns.
  virtual void stop() = 0;
};

}  // namespace corral::agent
