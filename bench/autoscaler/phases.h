// The two measurements of corral-autoscaler-bench (docs/PERFORMANCE.md, "Autoscaler"), each run
// on a started BenchRig and leaving its world as it found it.
#pragma once

#include <cstddef>
#include <string>

#include "bench/autoscaler/bench_rig.h"
#include "bench/broker/latency_summary.h"

namespace corral::bench {

// (a) One session at a time is placed through Broker::place() in the workspace of one pool whose
// config is at its minimum; its change notice makes the autoscaler scale out by one VM. Measured
// from just before place() to the plugin's CreateVm (and, to split it, to the gateway's call and
// to the placement's reply). After each sample the session is ended and the new server deleted.
struct ScaleOutLatency {
  LatencySummary to_create;   // place() -> CreateVm reaches the plugin (on a provider thread)
  LatencySummary to_gateway;  // place() -> the core hands the gateway the create (intent committed)
  LatencySummary to_placed;   // place() -> the placement's reply (its reservation committed)
};
Result<ScaleOutLatency> measure_scale_out(BenchRig& rig, size_t samples, size_t pool_index);

// (b) Autoscaler::reconcile_all(), the tick's pass over every config, timed on the core. Steady:
// every config decides nothing (checked: no action starts). With `short_configs` > 0, before each
// pass that many pools, spread over the world, get one session placed, so that many configs
// scale out by one VM inside the timed pass (their creates are committed and called after it);
// the bench then waits for the VMs and puts the world back.
struct PassCost {
  LatencySummary pass;
  size_t creates = 0;  // VMs the timed passes asked for
};
Result<PassCost> measure_passes(BenchRig& rig, size_t passes, size_t short_configs);

}  // namespace corral::bench
