// One reconcile pass of a config: the planner's input from the broker's servers and the actions
// in flight, the pool-wide rule of which config carries the minimum (failover), the decision as
// an event when it changed, and the plan carried out.
#include <algorithm>
#include <span>
#include <string>

#include "common/log.h"
#include "manager/autoscaler/autoscaler.h"
#include "manager/autoscaler/schedule.h"
#include "manager/broker/placement_rule.h"

namespace corral::autoscaler {
namespace {

std::string plural(int64_t n, const char* what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); }

// "1.5 cores, 2048 MiB, 1 GPU": docker capacity as an operator reads it.
std::string describe(const broker::Resources& r) {
  std::string cores = std::to_string(r.cores_milli / 1000);
  if (r.cores_milli % 1000 != 0) cores += "." + std::to_string(r.cores_milli % 1000 / 100);
  return cores + (r.cores_milli == 1000 ? " core, " : " cores, ") + std::to_string(r.memory_bytes / (1024 * 1024)) +
         " MiB, " + plural(r.gpus, "GPU");
}

bool docker_pool(const store::PoolRecord* pool) {
  return pool != nullptr && pool->type == store::PoolType::docker_agent;
}

bool active(const store::AutoscaleConfigRecord& c, std::chrono::system_clock::time_point now) {
  return c.enabled && autoscale::schedule_active(c.schedules, now);
}

}  // namespace

ServerPhase Autoscaler::phase_of(const ServerFacts& f, int64_t now) const {
  if (!actions_.empty()) {
    auto action = actions_.find(f.id);
    if (action != actions_.end() && action->second.kind == ActionKind::remove) return ServerPhase::deleting;
  }
  if (f.draining) return ServerPhase::draining;
  if (f.awaiting) return ServerPhase::provisioning;  // until its agent is connected, not only enrolled
  if (f.enabled && f.agent_connected && !f.agent_missing) return ServerPhase::ready;
  if (f.away_since_ms != 0 && f.away_since_ms <= started_ms_ && now - started_ms_ < settings_.reconnect_grace_ms) {
    return ServerPhase::reconnecting;  // not heard since this start: its agent is on its way back
  }
  if (f.away_since_ms != 0 && now - f.away_since_ms >= settings_.host_missing_expiration_ms) {
    return ServerPhase::missing;
  }
  return ServerPhase::not_ready;
}

size_t Autoscaler::fill_views(ConfigState& c) const {
  const int64_t now = now_ms();
  // Docker agent pools count cores, memory and GPUs; a VM not yet booted brings the config's size.
  // Server pools' configs have no agent overrides (the config check refuses them): all zero there.
  const broker::Resources vm_size = broker::resources(c.config.agent_resource_overrides);
  const size_t n = c.servers.size() + c.pending.size();
  if (c.views.size() < n) c.views.resize(n);
  for (size_t i = 0; i < c.servers.size(); ++i) {
    const ServerFacts& f = c.servers[i];
    ServerView& v = c.views[i];  // its id is f's already
    v.phase = phase_of(f, now);
    v.sessions = f.sessions;
    v.max_sessions = f.max_sessions;
    v.created_at_ms = f.created_at_ms;
    v.silent_since_ms = v.phase == ServerPhase::missing ? f.away_since_ms : 0;
    v.used = f.used;
    v.resources = f.resources;
    v.free_resources = f.free_resources;
  }
  size_t i = c.servers.size();
  for (const std::string& id : c.pending) {
    ServerView& v = c.views[i++];
    v.id.assign(id);
    v.phase = ServerPhase::provisioning;
    v.sessions = 0;
    v.max_sessions = static_cast<uint32_t>(std::max<int64_t>(c.config.max_sessions_per_server, 1));
    v.created_at_ms = now;
    v.silent_since_ms = 0;
    v.used = false;
    v.resources = vm_size;
    v.free_resources = {};
  }
  return n;
}

const Autoscaler::ConfigState* Autoscaler::acting_config(const std::string& pool_id) const {
  const auto now = clock_.now();
  const int64_t now_ms = unix_millis(now);
  const ConfigState* best = nullptr;
  for_each_in_pool(pool_id, [&](const ConfigState& c) {
    if (!active(c.config, now)) return;
    // Out of capacity or quota: the next config by priority takes the minimum until its backoff ends.
    if (c.capacity_failed && c.backoff_until_ms > now_ms) return;
    if (best == nullptr || c.config.priority < best->config.priority ||
        (c.config.priority == best->config.priority && c.config.name < best->config.name)) {
      best = &c;
    }
  });
  return best;
}

void Autoscaler::count_elsewhere(const ConfigState& c, PlannerInput& in) const {
  const int64_t now = now_ms();
  for_each_in_pool(c.config.pool_id, [&](const ConfigState& other) {
    if (&other == &c) return;
    for (const ServerFacts& f : other.servers) {
      const ServerPhase phase = phase_of(f, now);
      if (phase == ServerPhase::ready) {
        const bool at_max = f.sessions >= f.max_sessions;
        in.available_elsewhere += at_max ? 0 : f.max_sessions - f.sessions;
        if (!at_max) in.resources_elsewhere += f.free_resources;
      }
      if (phase == ServerPhase::provisioning) {
        in.available_elsewhere += f.max_sessions;
        in.resources_elsewhere += f.resources;
      }
    }
    // Creates whose row is not committed yet count whole, as they boot.
    const auto pending = static_cast<int64_t>(other.pending.size());
    in.available_elsewhere += static_cast<uint32_t>(pending) *
                              static_cast<uint32_t>(std::max<int64_t>(other.config.max_sessions_per_server, 1));
    const broker::Resources size = broker::resources(other.config.agent_resource_overrides);  // 0 in server pools
    in.resources_elsewhere += {size.cores_milli * pending, size.memory_bytes * pending, size.gpus * pending};
  });
}

void Autoscaler::reconcile(ConfigState& c) {
  const store::PoolRecord* pool = broker_.find_pool(c.config.pool_id);
  if (pool == nullptr) return;
  const bool docker = docker_pool(pool);
  const ConfigState* acting = acting_config(c.config.pool_id);
  const bool carries_minimum = acting == &c;
  if (acting != nullptr) {
    auto [last, first] = acting_.try_emplace(c.config.pool_id, acting->config.id);
    if (!first && last->second != acting->config.id) {
      const ConfigState* before = config_of(last->second);
      const std::string from = before != nullptr ? before->config.name : last->second;
      event("autoscale.failover", store::EventSeverity::warning, acting->config.id, "", "",
            "pool " + pool->name + ": autoscale config " + acting->config.name + " now keeps the minimum instead of " +
                from +
                (before != nullptr && before->capacity_failed ? " (its provider is out of capacity or quota)"
                                                              : " (it is back, or no longer active)"));
      last->second = acting->config.id;
    }
  }

  const size_t viewed = fill_views(c);
  PlannerInput in;
  in.policy.minimum_available_sessions =
      carries_minimum ? static_cast<uint32_t>(std::max<int64_t>(c.config.minimum_available_sessions, 0)) : 0;
  in.policy.sessions_per_server = static_cast<uint32_t>(std::max<int64_t>(c.config.max_sessions_per_server, 1));
  in.policy.max_instances = static_cast<uint32_t>(std::max<int64_t>(c.config.max_instances, 0));
  in.policy.downscale_backoff_ms = c.config.downscale_backoff_seconds * 1000;
  in.policy.provision_timeout_ms = c.config.provision_timeout_seconds * 1000;
  in.policy.host_dead_expiration_ms = settings_.host_dead_expiration_ms;
  in.policy.reusable = c.config.reusable;
  if (docker) {
    constexpr int64_t kMiB = 1024 * 1024;
    if (carries_minimum) {
      in.policy.standby = {c.config.standby_cores * 1000, c.config.standby_memory_mb * kMiB, c.config.standby_gpus};
    }
    in.policy.resources_per_server = broker::resources(c.config.agent_resource_overrides);
  }
  in.enabled = c.config.enabled;
  in.schedule_active = autoscale::schedule_active(c.config.schedules, clock_.now());
  in.now_ms = now_ms();
  in.last_scale_out_ms = c.last_scale_out_ms;
  in.backoff_until_ms = c.backoff_until_ms;
  in.servers = std::span<const ServerView>(c.views.data(), viewed);
  if (carries_minimum) count_elsewhere(c, in);
  const Plan plan = autoscaler::plan(in);
  report_decision(c, plan, carries_minimum, in.policy, docker);
  if (c.config.dry_run) return;

  for (uint32_t i = 0; i < plan.create; ++i) create_one(c);
  if (plan.create > 0) c.last_scale_out_ms = in.now_ms;
  for (const PlannedDelete& d : plan.deletes) remove_one(c, d);
  for (const std::string& id : plan.drains) drain(id);
}

void Autoscaler::report_decision(ConfigState& c, const Plan& plan, bool carries_minimum, const Policy& policy,
                                 bool docker) {
  const std::string dry = c.config.dry_run ? "dry run: would " : "";
  std::string decision;
  std::string detail;  // not part of what makes a decision new (a countdown)
  const char* kind = nullptr;
  store::EventSeverity severity = store::EventSeverity::info;
  const std::string counts = docker ? describe(plan.available_resources) + " free, standby " + describe(policy.standby)
                                    : plural(plan.available, "session") + " available, minimum " +
                                          std::to_string(policy.minimum_available_sessions);
  if (plan.create > 0) {
    kind = "autoscale.scale_out";
    decision = dry + "scale out by " + plural(plan.create, "VM") + ": " + counts;
    if (plan.hold == Hold::max_instances)
      decision += " (capped by max_instances " + std::to_string(c.config.max_instances) + ")";
  } else if (short_of_minimum(plan) && plan.hold != Hold::none) {
    kind = "autoscale.held";
    severity = plan.hold == Hold::disabled ? store::EventSeverity::info : store::EventSeverity::warning;
    decision = dry + "not scale out (" + std::string(hold_name(plan.hold)) + "): " + counts;
    if (plan.hold == Hold::backoff) {
      detail = ", next try in " + std::to_string((c.backoff_until_ms - now_ms() + 999) / 1000) + " s";
    }
  } else if (plan.hold == Hold::schedule_closed && !plan.deletes.empty()) {
    kind = "autoscale.schedule_closed";
    decision = dry + "scale in outside the schedule";
  }
  for (const PlannedDelete& d : plan.deletes) {
    if (kind == nullptr) kind = "autoscale.scale_in";
    const store::ServerRecord* server = broker_.find_server(d.server_id);
    decision += std::string(decision.empty() ? dry : "; ") + "delete " +
                (server != nullptr ? server->hostname : d.server_id) + " (" + delete_reason_name(d.reason) + ")";
  }
  if (kind == nullptr) {
    // Nothing to do: steady. The next decision is news again.
    if (!carries_minimum || !short_of_minimum(plan)) c.last_decision.clear();
    return;
  }
  // A create is news every time; a hold or a dry run's unchanged plan only when it changes.
  const bool repeat = decision == c.last_decision;
  c.last_decision = decision;
  if (repeat && (plan.create == 0 || c.config.dry_run)) return;
  event(kind, severity, c.config.id, "", "", decision + detail);
}

}  // namespace corral::autoscaler
