// The autoscaler's decision for one autoscale config, as a pure function: the servers the config
// owns and their state in, how many VMs to create and which servers to delete out. Server pools
// count availability in session slots, docker agent pools in cores, memory and GPUs. The
// reconcile loop (the driver) builds the input from the broker's view and the intent log, and
// carries out the plan; the rules are those of docs/autoscaling.md, tested here row by row.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "manager/broker/placement.h"

namespace corral::autoscaler {

// Where one server of the config stands, as the driver sees it.
enum class ServerPhase {
  provisioning,  // its create intent is written and its agent has not checked in yet
  ready,         // enabled, agent connected and not missing, not draining: takes sessions
  not_ready,     // checked in before, but disabled or its agent is away (not yet missing)
  missing,       // its agent has been silent past host_missing_expiration
  draining,      // takes no new sessions; deleted once empty
  deleting,      // its delete intent is written: the VM may still exist
  // Checked in before this manager started and its agent is not back yet, within the reconnect
  // grace after start: counted as it was (its free slots), so a restart does not scale out.
  reconnecting,
};

const char* server_phase_name(ServerPhase phase);

struct ServerView {
  std::string id;
  ServerPhase phase = ServerPhase::provisioning;
  uint32_t sessions = 0;        // active plus reserved
  uint32_t max_sessions = 0;    // what it takes at most
  int64_t created_at_ms = 0;    // when its create intent was written: the provision timeout counts from here
  int64_t silent_since_ms = 0;  // missing: when its agent was last heard from
  // A session has ended on it. A config that is not reusable deletes such a server once empty.
  bool used = false;
  // Docker agent pools: what the agent holds in all (the admin's overrides, else its report) and
  // what its sessions leave free of it. Zero in server pools.
  broker::Resources resources;
  broker::Resources free_resources;
};

struct Policy {
  uint32_t minimum_available_sessions = 0;
  uint32_t sessions_per_server = 1;  // max_simultaneous_sessions_per_server of the VMs it creates
  uint32_t max_instances = 0;        // every VM the config has, those being deleted included
  int64_t downscale_backoff_ms = 1800 * 1000;
  int64_t provision_timeout_ms = 600 * 1000;
  int64_t host_dead_expiration_ms = 3600 * 1000;
  bool reusable = true;
  // Docker agent pools: what must stay free (standby), and what one new agent VM brings (the
  // config's agent overrides: a new VM's size must be known before it boots).
  broker::Resources standby;
  broker::Resources resources_per_server;
};

struct PlannerInput {
  Policy policy;
  bool enabled = true;
  bool schedule_active = true;  // no schedule is always active
  int64_t now_ms = 0;
  int64_t last_scale_out_ms = 0;  // 0: never
  int64_t backoff_until_ms = 0;   // after create failures, no VM is requested before this
  std::span<const ServerView> servers;
  // What the pool's other configs hold ready or on the way: counted toward the minimum, so the
  // config that carries the pool's minimum does not double what another one already provides.
  uint32_t available_elsewhere = 0;
  broker::Resources resources_elsewhere;  // the same for docker agent pools
};

enum class DeleteReason {
  provision_timeout,  // never checked in within the provision timeout
  dead_agent,         // silent past host_dead_expiration
  used_not_reusable,  // a session ended on it and the config is not reusable
  drained,            // draining and empty
  outside_schedule,   // empty while the config's schedule is closed
  scale_in,           // empty, not needed to keep the minimum, past the downscale backoff
};

const char* delete_reason_name(DeleteReason reason);

// Why fewer VMs are requested than the deficit asks for.
enum class Hold {
  none,
  disabled,         // the config is disabled: no scale-out or scale-in, only clean-up
  schedule_closed,  // outside every schedule window
  backoff,          // create failures: waiting until backoff_until_ms
  max_instances,    // the cap is reached (or would be passed)
};

const char* hold_name(Hold hold);

struct PlannedDelete {
  std::string server_id;
  DeleteReason reason;
};

struct Plan {
  // Free slots on ready servers plus the full capacity of servers still provisioning, not
  // counting servers this plan deletes, plus what the pool's other configs hold.
  uint32_t available = 0;
  uint32_t deficit = 0;  // minimum - available when positive
  // Docker agent pools: the same per resource (standby in place of the minimum).
  broker::Resources available_resources;
  broker::Resources deficit_resources;
  uint32_t create = 0;  // VMs to request now
  Hold hold = Hold::none;
  std::vector<PlannedDelete> deletes;
  // Non-reusable servers that have served a session and still hold others: they must stop taking
  // new ones (the driver drains them) and are deleted once empty.
  std::vector<std::string> drains;
};

// Some field of the deficit is positive: the minimum or the standby is not met.
bool short_of_minimum(const Plan& plan);

// Deterministic: the same input gives the same plan. Servers to scale in go newest first.
Plan plan(const PlannerInput& input);

}  // namespace corral::autoscaler
