#include <variant>
#include <vector>

#include "bench/autoscaler/phases.h"

namespace corral::bench {
namespace {

// Places one session in each pool named and waits for none of the replies: they collect in
// `sessions` (ids) and `answered`.
void place_in(BenchRig& rig, const std::vector<size_t>& pools, size_t round, std::vector<std::string>& sessions,
              size_t& answered, Status& failed) {
  for (size_t p : pools) {
    rig.broker().place(rig.world().pools[p].workspace_id,
                       "pass-user-" + std::to_string(round) + "-" + std::to_string(p),
                       [&](Result<broker::PlaceOutcome> outcome) {
                         ++answered;
                         if (!outcome.ok()) {
                           failed = outcome.status();
                         } else if (const auto* s = std::get_if<broker::PlacedSession>(&*outcome)) {
                           sessions.push_back(s->session.id);
                         } else {
                           failed = error(ErrorCode::internal, "a pass-cost placement was refused");
                         }
                       });
  }
}

}  // namespace

Result<PassCost> measure_passes(BenchRig& rig, size_t passes, size_t short_configs) {
  const size_t configs = rig.world().pools.size();
  std::vector<size_t> short_pools;
  for (size_t k = 0; k < short_configs && k < configs; ++k) short_pools.push_back(k * configs / short_configs);

  PassCost out;
  out.pass.reserve(passes);
  for (size_t round = 0; round < passes; ++round) {
    rig.drain();
    std::vector<std::string> sessions;
    size_t answered = 0;
    Status failed;
    place_in(rig, short_pools, round, sessions, answered, failed);
    const size_t before = rig.plugin_creates().count();

    const Steady::time_point start = Steady::now();
    rig.autoscaler().reconcile_all();
    out.pass.add(Steady::now() - start);

    // What the pass started: exactly one create per short config, nothing else.
    const size_t started = rig.autoscaler().actions_in_flight();
    if (started != short_pools.size()) {
      return error(ErrorCode::internal, "pass " + std::to_string(round) + " started " + std::to_string(started) +
                                            " actions; the bench expects " + std::to_string(short_pools.size()));
    }
    out.creates += started;
    if (short_pools.empty()) continue;
    const bool settled = rig.run_until([&] {
      return answered == short_pools.size() && rig.plugin_creates().count() == before + short_pools.size() &&
             rig.autoscaler().actions_in_flight() == 0;
    });
    if (!settled) return error(ErrorCode::internal, "pass " + std::to_string(round) + ": the VMs were not created");
    if (!failed.ok()) return failed;
    for (const std::string& id : sessions) {
      if (Status s = rig.end_session(id); !s.ok()) return s;
    }
    for (const CreateCall& call : rig.plugin_creates().since(before)) {
      if (Status s = rig.delete_server(call.server_id); !s.ok()) return s;
    }
  }
  out.pass.finish();
  return out;
}

}  // namespace corral::bench
