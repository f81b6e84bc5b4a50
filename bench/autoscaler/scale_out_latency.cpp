#include <variant>
#include <vector>

#include "bench/autoscaler/phases.h"

namespace corral::bench {

Result<ScaleOutLatency> measure_scale_out(BenchRig& rig, size_t samples, size_t pool_index) {
  const AutoscaleWorld::Pool& pool = rig.world().pools.at(pool_index);
  ScaleOutLatency out;
  out.to_create.reserve(samples);
  out.to_gateway.reserve(samples);
  out.to_placed.reserve(samples);
  for (size_t i = 0; i < samples; ++i) {
    rig.drain();
    const size_t plugin_before = rig.plugin_creates().count();
    const size_t gateway_before = rig.gateway_creates().count();
    std::optional<Result<broker::PlaceOutcome>> placed;
    Steady::time_point placed_at;
    const Steady::time_point start = Steady::now();
    rig.broker().place(pool.workspace_id, "bench-user-" + std::to_string(i), [&](Result<broker::PlaceOutcome> outcome) {
      placed_at = Steady::now();
      placed = std::move(outcome);
    });
    const bool settled = rig.run_until([&] {
      return placed.has_value() && rig.plugin_creates().count() > plugin_before &&
             rig.autoscaler().actions_in_flight() == 0;
    });
    if (!settled) return error(ErrorCode::internal, "sample " + std::to_string(i) + ": no CreateVm within 30 s");
    if (!placed->ok()) return placed->status();
    const auto* session = std::get_if<broker::PlacedSession>(&**placed);
    if (session == nullptr) return error(ErrorCode::internal, "sample " + std::to_string(i) + ": not placed");
    const std::vector<CreateCall> calls = rig.plugin_creates().since(plugin_before);
    const std::vector<CreateCall> handed = rig.gateway_creates().since(gateway_before);
    if (calls.size() != 1 || handed.size() != 1) {
      return error(ErrorCode::internal, "sample " + std::to_string(i) + " made " + std::to_string(calls.size()) +
                                            " CreateVm calls; the bench expects one");
    }
    out.to_create.add(calls[0].at - start);
    out.to_gateway.add(handed[0].at - start);
    out.to_placed.add(placed_at - start);

    // Back to the steady world: the session first, so the pool never looks short.
    if (Status s = rig.end_session(session->session.id); !s.ok()) return s;
    if (Status s = rig.delete_server(calls[0].server_id); !s.ok()) return s;
  }
  out.to_create.finish();
  out.to_gateway.finish();
  out.to_placed.finish();
  return out;
}

}  // namespace corral::bench
