#include "common/ws/sequencer.h"

#include <string>

namespace corral::ws {

uint64_t Sequencer::next_seq() { return ++last_sent_seq_; }

Status Sequencer::observe_peer_seq(uint64_t seq) {
  uint64_t expected = last_peer_seq_ + 1;
  if (seq != expected) {
    return error(ErrorCode::invalid_argument,
                 "peer seq out of order: expected " + std::to_string(expected) + ", received " + std::to_string(seq));
  }
  last_peer_seq_ = seq;
  return {};
}

}  // namespace corral::ws
