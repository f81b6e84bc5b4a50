// The capacity this agent offers: how many sessions it takes, whether it is draining, and the
// sessions its backend holds. Lives on the core thread for the whole process (across
// reconnects), so the generation keeps growing and the manager can tell a newer report from an
// older one. Host keeps it current; AgentSession reports it.
#pragma once

#include <cstdint>
#include <vector>

#include "corral/agent/v1/agent.pb.h"

namespace corral::agent {

class Capacity {
 public:
  // FIRST_GENERATION should grow across restarts too (the caller passes the start time in
  // milliseconds), so a manager comparing generations never mistakes a restarted agent's
  // reports for stale ones.
  Capacity(uint32_t max_sessions, uint64_t first_generation);

  // Each returns true, and moves to the next generation, only when the value changed: an
  // unchanged generation means an unchanged report, which is never sent twice.
  bool set_max_sessions(uint32_t max_sessions);
  bool set_draining(bool draining);
  // SESSIONS as the backend lists them (ordered by id).
  bool set_sessions(std::vector<corral::agent::v1::Session> sessions);

  uint32_t max_sessions() const { return max_sessions_; }
  bool draining() const { return draining_; }
  const std::vector<corral::agent::v1::Session>& sessions() const { return sessions_; }
  uint64_t generation() const { return generation_; }

  corral::agent::v1::CapacityReport report() const;

 private:
  uint32_t max_sessions_;
  bool draining_ = false;
  std::vector<corral::agent::v1::Session> sessions_;
  uint64_t generation_;
};

}  // namespace corral::agent
