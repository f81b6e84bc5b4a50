// The capacity this agent offers: how many sessions it takes and whether it is draining. Lives
// on the core thread for the whole process (across reconnects), so the generation keeps growing
// and the manager can tell a newer report from an older one. AgentSession reports it.
#pragma once

#include <cstdint>

#include "corral/agent/v1/agent.pb.h"

namespace corral::agent {

class Capacity {
 public:
  // FIRST_GENERATION should grow across restarts too (the caller passes the start time in
  // milliseconds), so a manager comparing generations never mistakes a restarted agent's
  // reports for stale ones.
  Capacity(uint32_t max_sessions, uint64_t first_generation);

  // Each returns true, and moves to the next generation, only when the value changed.
  bool set_max_sessions(uint32_t max_sessions);
  bool set_draining(bool draining);

  uint32_t max_sessions() const { return max_sessions_; }
  bool draining() const { return draining_; }
  uint64_t generation() const { return generation_; }

  // Sessions stay empty until session backends exist; they will feed this class too.
  corral::agent::v1::CapacityReport report() const;

 private:
  uint32_t max_sessions_;
  bool draining_ = false;
  uint64_t generation_;
};

}  // namespace corral::agent
