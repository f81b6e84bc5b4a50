// Sequence numbers of one agent-channel connection: numbers outgoing envelopes from 1 and checks
// that the peer's numbers run 1, 2, 3, ... so the ack field can carry the last one seen. Create a
// new one per connection; not thread-safe (owned by the connection's service thread).
#pragma once

#include <cstdint>

#include "common/result.h"

namespace corral::ws {

class Sequencer {
 public:
  // 1 on the first call, then one more on each call.
  uint64_t next_seq();
  // Accepts exactly last_peer_seq() + 1. Anything else (a repeat, a step back, or a gap, which
  // the protocol's one-per-frame rule also forbids) is invalid_argument naming the expected and
  // received seq, and leaves the state unchanged.
  Status observe_peer_seq(uint64_t seq);
  // 0 until the peer's first envelope: the value for Envelope.ack.
  uint64_t last_peer_seq() const { return last_peer_seq_; }

 private:
  uint64_t last_sent_seq_ = 0;
  uint64_t last_peer_seq_ = 0;
};

}  // namespace corral::ws
