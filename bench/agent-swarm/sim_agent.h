// The state the swarm keeps for one simulated agent: its identity's index, its one connection
// (socket, TLS, websocket, sequencing) and its reconnect backoff. Kept small, since the swarm
// holds tens of thousands of them in one vector.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/ws/backoff.h"
#include "common/ws/sequencer.h"

namespace corral::bench {

enum class AgentPhase : uint8_t {
  idle,              // never started, or stopped
  backoff,           // waiting out a reconnect delay
  queued,            // waiting for a free slot under the connect concurrency limit
  tcp_connecting,    // non-blocking connect() in progress
  tls_handshake,     // SSL_connect in progress
  upgrading,         // upgrade request sent, waiting for "101"
  awaiting_welcome,  // Hello sent
  welcomed,          // steady state: heartbeats
};

// The phases that count against the connect concurrency limit.
inline bool in_flight(AgentPhase p) { return p >= AgentPhase::tcp_connecting && p < AgentPhase::welcomed; }

struct SimAgent {
  explicit SimAgent(ws::Backoff b) : backoff(std::move(b)) {}

  int fd = -1;
  SSL* ssl = nullptr;
  AgentPhase phase = AgentPhase::idle;
  // Bumped for every connection; epoll events carry it, so an event for a socket that was closed
  // (and whose descriptor number was reused) in the same batch is ignored.
  uint32_t conn_gen = 0;
  // Bumped whenever the agent's timer is set; the heap entries of older timers are skipped.
  uint32_t timer_token = 0;
  uint32_t welcome_epoch = 0;
  bool ping_outstanding = false;
  bool fragmented = false;  // a message's first fragment arrived, its final one not yet
  int64_t attempt_started_ms = 0;
  int64_t next_heartbeat_ms = 0;
  int64_t last_valid_ms = 0;  // last pong (or the Welcome): what the real agent's idle ping keys on
  ws::Sequencer sequencer;
  ws::Backoff backoff;
  std::string ws_key;            // during the upgrade only
  std::string in;                // received bytes not yet parsed into frames
  std::string message;           // fragments of a message in progress
  std::vector<std::string> out;  // encoded frames not yet taken by SSL_write, one TLS record each
};

}  // namespace corral::bench
