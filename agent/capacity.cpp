#include "agent/capacity.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>

namespace corral::agent {

Capacity::Capacity(uint32_t max_sessions, uint64_t first_generation)
    : max_sessions_(max_sessions), generation_(first_generation == 0 ? 1 : first_generation) {}

bool Capacity::set_max_sessions(uint32_t max_sessions) {
  if (max_sessions == max_sessions_) return false;
  max_sessions_ = max_sessions;
  ++generation_;
  return true;
}

bool Capacity::set_draining(bool draining) {
  if (draining == draining_) return false;
  draining_ = draining;
  ++generation_;
  return true;
}

bool Capacity::set_sessions(std::vector<corral::agent::v1::Session> sessions) {
  auto same = [](const corral::agent::v1::Session& a, const corral::agent::v1::Session& b) {
    return google::protobuf::util::MessageDifferencer::Equals(a, b);
  };
  if (std::equal(sessions.begin(), sessions.end(), sessions_.begin(), sessions_.end(), same)) return false;
  sessions_ = std::move(sessions);
  ++generation_;
  return true;
}

corral::agent::v1::CapacityReport Capacity::report() const {
  corral::agent::v1::CapacityReport r;
  r.set_generation(generation_);
  r.set_max_sessions(max_sessions_);
  r.set_draining(draining_);
  for (const auto& s : sessions_) *r.add_sessions() = s;
  return r;
}

}  // namespace corral::agent
