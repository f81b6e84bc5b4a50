// The benchmark's phases in order: start the manager, enroll (or load cached) identities, connect
// all agents, hold them at steady state while sampling the manager, then restart the manager and
// time the reconnect storm. Each phase reports through SwarmReport; each is bounded in time.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "bench/agent-swarm/agent_identity.h"
#include "bench/agent-swarm/manager_process.h"
#include "bench/agent-swarm/proc_stats.h"
#include "bench/agent-swarm/swarm.h"
#include "bench/agent-swarm/swarm_options.h"
#include "bench/agent-swarm/swarm_report.h"
#include "common/result.h"

namespace corral::bench {

class SwarmRun {
 public:
  explicit SwarmRun(SwarmOptions options);
  ~SwarmRun();

  // Runs every phase; an error means the run could not go on (what was measured is printed).
  Status run();

 private:
  Status prepare();
  Status start_manager();
  Status enroll();
  Status connect();
  Status steady();
  Status storm();
  void finish();

  // Runs the swarm until DONE or the deadline, sampling the manager's RSS once a second. Stops
  // early, with manager_died_ set, when the manager exits unexpectedly.
  bool run_swarm(const std::function<bool()>& done, std::chrono::steady_clock::time_point deadline);
  void sample_manager();

  SwarmOptions options_;
  SwarmReport report_;
  std::unique_ptr<ManagerProcess> manager_;
  std::vector<AgentIdentity> identities_;
  std::unique_ptr<Swarm> swarm_;
  std::string ca_pem_;

  bool expect_manager_exit_ = false;
  bool manager_died_ = false;
  std::chrono::steady_clock::time_point last_sample_;
  uint64_t peak_rss_kib_ = 0;

  // For the summary.
  ReportFields summary_;
  uint64_t rss_baseline_kib_ = 0;
  // Agents welcomed in the connect phase: N, or fewer when the run could not connect them all.
  size_t active_ = 0;
  uint64_t swarm_max_sockets_ = 0;
};

}  // namespace corral::bench
