#include "manager/autoscaler/planner.h"

#include <algorithm>
#include <limits>

namespace corral::autoscaler {
namespace {

using broker::Resources;

Resources operator-(const Resources& a, const Resources& b) {
  return {a.cores_milli - b.cores_milli, a.memory_bytes - b.memory_bytes, a.gpus - b.gpus};
}

// Each field: how much HAVE falls short of WANT, or 0.
Resources shortfall(const Resources& want, const Resources& have) {
  return {std::max<int64_t>(0, want.cores_milli - have.cores_milli),
          std::max<int64_t>(0, want.memory_bytes - have.memory_bytes), std::max<int64_t>(0, want.gpus - have.gpus)};
}

bool covers(const Resources& have, const Resources& want) {
  return have.cores_milli >= want.cores_milli && have.memory_bytes >= want.memory_bytes && have.gpus >= want.gpus;
}

// VMs of SIZE it takes to cover DEFICIT, per field; a field a VM does not bring (size 0) cannot be
// covered by creating VMs and asks for none (the config check refuses such a standby).
uint32_t vms_for(const Resources& deficit, const Resources& size) {
  auto field = [](int64_t need, int64_t each) -> int64_t {
    return need > 0 && each > 0 ? (need + each - 1) / each : 0;
  };
  const int64_t n = std::max({field(deficit.cores_milli, size.cores_milli),
                              field(deficit.memory_bytes, size.memory_bytes), field(deficit.gpus, size.gpus)});
  return static_cast<uint32_t>(std::min<int64_t>(n, std::numeric_limits<uint32_t>::max()));
}

uint32_t free_slots(const ServerView& s) { return s.sessions >= s.max_sessions ? 0 : s.max_sessions - s.sessions; }

// What a server adds to the pool's availability: free slots once ready, its whole capacity while
// it boots (it is on its way, and asking again for it would double the VMs).
uint32_t counted(const ServerView& s) {
  switch (s.phase) {
    case ServerPhase::ready:
    case ServerPhase::reconnecting: return free_slots(s);
    case ServerPhase::provisioning: return s.max_sessions;
    default: return 0;
  }
}

Resources counted_resources(const ServerView& s) {
  switch (s.phase) {
    case ServerPhase::ready:
    // A server at its session maximum takes no session, whatever resources it has left.
    case ServerPhase::reconnecting: return free_slots(s) == 0 ? Resources{} : s.free_resources;
    case ServerPhase::provisioning: return s.resources;
    default: return {};
  }
}

// Deletes that keep the fleet clean whatever the config's state: VMs that never came up, agents
// that are gone, servers that may take no more sessions and have none.
bool clean_up(const PlannerInput& in, const ServerView& s, Plan& out) {
  const Policy& p = in.policy;
  DeleteReason reason{};
  if (s.phase == ServerPhase::provisioning && in.now_ms - s.created_at_ms >= p.provision_timeout_ms) {
    reason = DeleteReason::provision_timeout;
  } else if (s.phase == ServerPhase::missing && in.now_ms - s.silent_since_ms >= p.host_dead_expiration_ms) {
    reason = DeleteReason::dead_agent;
  } else if (!p.reusable && s.used && s.phase != ServerPhase::deleting) {
    if (s.sessions > 0) {
      if (s.phase != ServerPhase::draining) out.drains.push_back(s.id);
      return false;
    }
    reason = DeleteReason::used_not_reusable;
  } else if (s.phase == ServerPhase::draining && s.sessions == 0) {
    reason = DeleteReason::drained;
  } else {
    return false;
  }
  out.deletes.push_back({s.id, reason});
  return true;
}

}  // namespace

Plan plan(const PlannerInput& in) {
  const Policy& p = in.policy;
  Plan out;
  std::vector<const ServerView*> kept;  // neither deleted by this plan nor already being deleted
  for (const ServerView& s : in.servers) {
    if (s.phase == ServerPhase::deleting || clean_up(in, s, out)) continue;
    // A non-reusable server that has served a session takes no new one: it does not count.
    if (!p.reusable && s.used) continue;
    kept.push_back(&s);
  }

  const bool active = in.enabled && in.schedule_active;
  if (in.enabled && !in.schedule_active) {
    // Outside the window only servers with sessions stay.
    for (const ServerView* s : kept) {
      if (s->sessions == 0 && s->phase != ServerPhase::draining) {
        out.deletes.push_back({s->id, DeleteReason::outside_schedule});
      }
    }
    out.hold = Hold::schedule_closed;
    return out;
  }

  out.available = in.available_elsewhere;
  out.available_resources = in.resources_elsewhere;
  for (const ServerView* s : kept) {
    out.available += counted(*s);
    out.available_resources += counted_resources(*s);
  }
  if (out.available < p.minimum_available_sessions) out.deficit = p.minimum_available_sessions - out.available;
  out.deficit_resources = shortfall(p.standby, out.available_resources);
  if (!active) {
    out.hold = Hold::disabled;
    return out;
  }

  if (short_of_minimum(out)) {
    const uint32_t per_server = std::max<uint32_t>(p.sessions_per_server, 1);
    const uint32_t wanted =
        std::max((out.deficit + per_server - 1) / per_server, vms_for(out.deficit_resources, p.resources_per_server));
    // The cap counts every VM the config has: those being deleted still exist at the provider.
    const auto instances = static_cast<uint32_t>(in.servers.size());
    const uint32_t room = instances >= p.max_instances ? 0 : p.max_instances - instances;
    if (in.backoff_until_ms > in.now_ms) {
      out.hold = Hold::backoff;
    } else {
      out.create = std::min(wanted, room);
      if (out.create < wanted) out.hold = Hold::max_instances;
    }
    return out;
  }

  // Scale in: empty ready servers, newest first, while what remains keeps the minimum.
  if (in.last_scale_out_ms != 0 && in.now_ms - in.last_scale_out_ms < p.downscale_backoff_ms) return out;
  std::vector<const ServerView*> empty;
  for (const ServerView* s : kept) {
    if (s->phase == ServerPhase::ready && s->sessions == 0) empty.push_back(s);
  }
  std::sort(empty.begin(), empty.end(), [](const ServerView* a, const ServerView* b) {
    return a->created_at_ms != b->created_at_ms ? a->created_at_ms > b->created_at_ms : a->id > b->id;
  });
  uint32_t available = out.available;
  Resources available_resources = out.available_resources;
  for (const ServerView* s : empty) {
    const uint32_t slots = free_slots(*s);
    if (available - slots < p.minimum_available_sessions) continue;
    const Resources counted = counted_resources(*s);
    if (!covers(available_resources - counted, p.standby)) continue;
    available -= slots;
    available_resources = available_resources - counted;
    out.deletes.push_back({s->id, DeleteReason::scale_in});
  }
  return out;
}

bool short_of_minimum(const Plan& plan) {
  return plan.deficit > 0 || plan.deficit_resources.cores_milli > 0 || plan.deficit_resources.memory_bytes > 0 ||
         plan.deficit_resources.gpus > 0;
}

const char* server_phase_name(ServerPhase phase) {
  switch (phase) {
    case ServerPhase::provisioning: return "provisioning";
    case ServerPhase::ready: return "ready";
    case ServerPhase::not_ready: return "not_ready";
    case ServerPhase::missing: return "missing";
    case ServerPhase::draining: return "draining";
    case ServerPhase::deleting: return "deleting";
    case ServerPhase::reconnecting: return "reconnecting";
  }
  return "unknown";
}

const char* delete_reason_name(DeleteReason reason) {
  switch (reason) {
    case DeleteReason::provision_timeout: return "provision_timeout";
    case DeleteReason::dead_agent: return "dead_agent";
    case DeleteReason::used_not_reusable: return "used_not_reusable";
    case DeleteReason::drained: return "drained";
    case DeleteReason::outside_schedule: return "outside_schedule";
    case DeleteReason::scale_in: return "scale_in";
  }
  return "unknown";
}

const char* hold_name(Hold hold) {
  switch (hold) {
    case Hold::none: return "none";
    case Hold::disabled: return "disabled";
    case Hold::schedule_closed: return "schedule_closed";
    case Hold::backoff: return "backoff";
    case Hold::max_instances: return "max_instances";
  }
  return "unknown";
}

}  // namespace corral::autoscaler
