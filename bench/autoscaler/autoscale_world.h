// The world corral-autoscaler-bench runs the autoscaler over: C server pools, each with a workspace
// and one autoscale config of one provider config, and S autoscaled servers per config, written to
// a real SQLite store as the manager would have left them. Every config is in steady state: its
// ready servers all hold sessions (reserved, far from expiry), a tenth of its servers are still
// booting, and its minimum equals what is available, so a pass decides nothing until a session is
// placed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "manager/store/store.h"

namespace corral::bench {

// The name the recording plugin answers to (recording_provider.h).
inline constexpr char kBenchPlugin[] = "bench";

struct AutoscaleWorldShape {
  size_t configs = 1000;
  size_t servers_per_config = 100;
  // Sessions per server. Of every ten servers: three are full, six hold one session less than
  // this, one is booting (no agent yet). Must be at least 2, so the six have a free slot.
  uint32_t max_sessions = 2;
  // Every n-th config (0: none) has a schedule window that is always open, in a real time zone,
  // so passes pay for the tz lookups that scheduled configs cost.
  size_t schedule_every = 4;
};

struct AutoscaleWorld {
  struct Pool {
    std::string pool_id;
    std::string workspace_id;
    std::string config_id;
    uint32_t minimum = 0;  // the config's minimum_available_sessions = what it has available
  };
  std::vector<Pool> pools;  // one per config
  std::vector<std::string> agent_ids;
  size_t servers = 0;
  size_t sessions = 0;
};

// Writes the world in one unit of work.
Result<AutoscaleWorld> seed_autoscale_world(store::Store& store, const AutoscaleWorldShape& shape, int64_t now);

}  // namespace corral::bench
