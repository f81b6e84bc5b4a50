// The autoscaler's reconcile loop (docs/autoscaling.md), on the manager's core thread. For each
// autoscale config it builds the planner's input from the broker's servers and its own actions in
// flight, and carries out the plan:
// - a create commits the server row, its one-time join token, the create intent and an event in
//   one unit of work, makes the server's AD computer record when the config asks for one (on the
//   directory worker pool), then calls the provider's CreateVm on the provider pool and records
//   the VM;
// - a delete drains the server, writes the delete intent, calls DeleteVm, then removes the row
//   and marks the intent done in one unit of work; the server's AD computer record goes with it.
// Passes run when a server's state or load changes (the broker tells it), when a config changes,
// and on a tick. At start, intents left unfinished by a crash are resolved against the provider's
// ListVms before any pass; a periodic sweep deletes tagged VMs the store does not know, and
// computer records with this manager's mark that no server has. Every decision and outcome is an
// event (docs/events.md).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/secret_box.h"
#include "manager/autoscaler/ad_record_note.h"
#include "manager/autoscaler/planner.h"
#include "manager/autoscaler/record_gateway.h"
#include "manager/autoscaler/vm_gateway.h"
#include "manager/broker/broker.h"
#include "manager/store/autoscale_records.h"
#include "manager/store/store.h"
#include "manager/store/store_executor.h"

namespace corral::autoscaler {

// The tags every VM the autoscaler creates carries: ListVms finds a manager's VMs by them, and
// the orphan sweep touches no VM without them.
inline constexpr char kTagManager[] = "corral-manager";
inline constexpr char kTagConfig[] = "corral-autoscale-config";
inline constexpr char kTagServer[] = "corral-server";

struct AutoscalerSettings {
  std::string manager_id;   // this manager's id, in every VM's ownership tags
  std::string manager_url;  // {manager_url}: where a VM's agent enrolls
  std::string ca_sha256;    // pinned in the join tokens handed to VMs
  // The safety-net pass over every config; passes also run whenever something changes.
  std::chrono::milliseconds tick{std::chrono::seconds(10)};
  std::chrono::milliseconds orphan_sweep_interval{std::chrono::minutes(5)};
  int64_t orphan_grace_ms = 15 * 60 * 1000;
  // An agent away (disconnected or silent) this long counts as missing; this long, as dead.
  int64_t host_missing_expiration_ms = 600 * 1000;
  int64_t host_dead_expiration_ms = 3600 * 1000;
  // After a start, servers whose agent has not reconnected yet count as they were for this long.
  int64_t reconnect_grace_ms = 120 * 1000;
  // Consecutive create failures (errors, provision timeouts) wait base * 2^(n-1), at most max.
  int64_t failure_backoff_base_ms = 30 * 1000;
  int64_t failure_backoff_max_ms = 30 * 60 * 1000;
};

// Hostnames drawn in a row whose AD computer record exists and is not this manager's before a
// create counts as failed (and backs off): the hostname pattern has too few names left.
inline constexpr uint32_t kNameCollisionsBeforeBackoff = 3;

// What the broker answers a server row written for the autoscaler.
using ServerWritten = Result<broker::CatalogOutcome<store::ServerRecord>>;

class Autoscaler {
 public:
  Autoscaler(boost::asio::io_context& io, store::StoreExecutor& store, broker::Broker& broker, VmGateway& vms,
             RecordGateway& records, const SecretBox& secrets, const Clock& clock, AutoscalerSettings settings);
  ~Autoscaler();
  Autoscaler(const Autoscaler&) = delete;
  Autoscaler& operator=(const Autoscaler&) = delete;

  // Before the core runs, after the broker has loaded: the configs and the unfinished intents.
  Status load(store::Store& store);
  // On the core: resolves the unfinished intents, then reconciles every config and keeps doing so.
  void start();
  // On the core: no pass, sweep or call answer runs after this.
  void stop();

  // A config was created, changed or deleted (the REST API): it is read again and reconciled.
  void config_changed(const std::string& config_id);

  // On the core: one pass over every config now, as the tick runs it (bench/autoscaler times it).
  // Nothing before the intents are resolved.
  void reconcile_all();

  // The template variables a plugin fills in itself (Describe), left for it in the scripts it
  // gets. Any thread: scripts are rendered where the store runs its work.
  void set_plugin_variables(std::function<std::set<std::string>(const std::string& plugin)> lookup) {
    plugin_variables_ = std::move(lookup);
  }

  // On the core: one orphan sweep now, as its timer runs it (tests drive it so). Nothing before the
  // intents are resolved.
  void sweep_orphans_now() {
    if (recovered_) sweep_orphans();
  }

  // What tests and metrics see.
  size_t actions_in_flight() const { return actions_.size(); }
  bool recovered() const { return recovered_; }

 private:
  // What a pass reads about one server of a config: the broker's entry as of its last change
  // notice (the broker notifies every change of these fields before anything else runs) and the
  // autoscaler's own marks. A pass over 100,000 servers reads these in order instead of looking
  // each one up in the broker (docs/PERFORMANCE.md, "Autoscaler").
  struct ServerFacts {
    std::string id;
    uint32_t sessions = 0;  // reserved plus active
    uint32_t max_sessions = 0;
    int64_t created_at_ms = 0;
    int64_t away_since_ms = 0;
    bool enabled = false;
    bool draining = false;
    bool agent_connected = false;
    bool agent_missing = false;
    bool awaiting = false;  // ConfigState::awaiting holds it
    bool used = false;      // a session has ended on it
    // Docker agent pools: its size (override, else report) and what its sessions leave free.
    broker::Resources resources;
    broker::Resources free_resources;
  };
  struct ConfigState {
    store::AutoscaleConfigRecord config;
    std::vector<ServerFacts> servers;  // the servers it created that still exist, sorted by id
    // The planner's input: views[i] is servers[i]'s, its id written once (a pass copies no
    // strings); those after them are the pending creates', rewritten by each pass.
    std::vector<ServerView> views;
    // Of those, the ones whose agent has not checked in (connected) yet, with when each was
    // requested (unix ms; 0 for one requested before this start). ServerFacts::awaiting mirrors
    // it for the pass: whatever adds or removes one here sets that mark too.
    std::map<std::string, int64_t> awaiting;
    std::set<std::string> pending;  // creates whose row is not committed yet: they count already
    int64_t last_scale_out_ms = 0;
    uint32_t failures = 0;  // consecutive
    // Consecutive hostnames whose AD computer record someone else already has: the next create
    // draws a new name at once, until kNameCollisionsBeforeBackoff say the pattern is too narrow.
    uint32_t name_collisions = 0;
    int64_t last_failure_ms = 0;
    int64_t backoff_until_ms = 0;  // no create before this
    bool capacity_failed = false;  // the last failure was out of capacity or quota: failover
    std::string last_decision;     // the last decision written, so an unchanged one is not repeated
  };
  enum class ActionKind { create, remove };
  struct Action {
    ActionKind kind = ActionKind::create;
    std::string intent_id;
    std::string config_id;
  };
  // A create between its committed intent and its CreateVm call (autoscaler_create.cpp).
  struct PendingCreate;

  int64_t now_ms() const { return unix_millis(clock_.now()); }
  ConfigState* config_of(const std::string& config_id);
  const ConfigState* config_of(const std::string& config_id) const;
  // Every config of the pool (`fn(ConfigState&)`).
  template <typename Fn>
  void for_each_in_pool(const std::string& pool_id, Fn fn) const {
    auto ids = pool_configs_.find(pool_id);
    if (ids == pool_configs_.end()) return;
    for (const std::string& id : ids->second) {
      if (const ConfigState* c = config_of(id)) fn(*c);
    }
  }
  void mark_pool_dirty(const std::string& pool_id);

  void on_server_change(const broker::ServerNotice& change);
  // Coalesces: one pass per core turn, whatever asked for it.
  void mark_dirty(const std::string& config_id);
  void run_dirty();
  void schedule_tick();
  void schedule_orphan_sweep();

  // Copies the broker's entry into the config's facts of that server (added when new).
  static ServerFacts& note_server(ConfigState& c, const broker::ServerEntry& entry, bool* added);
  static void forget_server(ConfigState& c, const std::string& server_id);

  // autoscaler_pass.cpp
  void reconcile(ConfigState& c);
  ServerPhase phase_of(const ServerFacts& f, int64_t now) const;
  // Brings c.views up to date: how many of them are the planner's input.
  size_t fill_views(ConfigState& c) const;
  // Pool-wide: the config that carries the pool's minimum now, and what the others hold.
  const ConfigState* acting_config(const std::string& pool_id) const;
  // Adds what the pool's other configs hold ready or on the way to IN.
  void count_elsewhere(const ConfigState& c, PlannerInput& in) const;
  void report_decision(ConfigState& c, const Plan& plan, bool carries_minimum, const Policy& policy, bool docker);

  // autoscaler_create.cpp
  void create_one(ConfigState& c);
  // The AD computer record first when the config asks for one, then CreateVm.
  void create_record(const std::shared_ptr<PendingCreate>& p);
  void call_create_vm(const std::shared_ptr<PendingCreate>& p);
  void create_called(const std::string& config_id, const std::string& server_id, const std::string& intent_id,
                     Result<pv1::CreateVmResponse> answer);
  void record_vm(const std::string& server_id, const std::string& intent_id, const pv1::Vm& vm, const char* outcome);
  void create_failed(ConfigState& c, const std::string& why, pv1::ErrorClass error_class);
  // Removes a server whose VM was never made (or is known gone) and closes its intent.
  void abandon(const std::string& server_id, const std::string& intent_id, const std::string& outcome);

  // autoscaler_delete.cpp
  void remove_one(ConfigState& c, const PlannedDelete& d);
  void delete_vm(const std::string& server_id, const std::string& intent_id, const std::string& provider_config_id,
                 const std::string& vm_id);
  void delete_row(const std::string& server_id, const std::string& intent_id, const std::string& outcome);
  void drain(const std::string& server_id);

  // autoscaler_records.cpp: the AD computer records of servers that are gone, and the sweep.
  void remove_record_of(const std::string& server_id, const std::string& config_id);
  void forget_join_password(const std::string& server_id);
  void sweep_orphan_records();

  // autoscaler_recover.cpp
  void recover();
  void resolve(const store::IntentRecord& intent, const std::shared_ptr<size_t>& left);
  void recovered_one(const std::shared_ptr<size_t>& left);
  void sweep_orphans();

  // Appends an event (and logs it), outside any other write.
  void event(const char* kind, store::EventSeverity severity, const std::string& config_id,
             const std::string& server_id, const std::string& vm_id, const std::string& message);

  boost::asio::io_context& io_;
  store::StoreExecutor& store_;
  broker::Broker& broker_;
  VmGateway& vms_;
  RecordGateway& records_;
  const SecretBox& secrets_;
  const Clock& clock_;
  AutoscalerSettings settings_;
  std::function<std::set<std::string>(const std::string&)> plugin_variables_;

  std::map<std::string, ConfigState> configs_;
  // Pool id -> the ids of its configs: a pass looks at its pool's configs only.
  std::map<std::string, std::set<std::string>> pool_configs_;
  std::map<std::string, Action> actions_;           // by server id: what is being done to it
  std::map<std::string, int64_t> delete_retry_at_;  // server id -> no new delete before (ms)
  std::vector<store::IntentRecord> unfinished_;
  // Provider config id -> VM id -> when the sweep first saw it unknown. Each listing replaces its
  // provider config's map: a VM no longer listed, or claimed since, is forgotten.
  std::map<std::string, std::map<std::string, int64_t>> orphans_seen_;
  // Server id -> when its VM, then its row, were deleted. A listing the provider made before the
  // VM went can be answered after the row went too; its VM is not an orphan. Kept for an hour.
  std::map<std::string, int64_t> removed_servers_;
  // LDAP config id + container -> hostname -> when the sweep first saw its record unknown.
  std::map<std::string, std::map<std::string, int64_t>> records_seen_;
  std::map<std::string, std::string> acting_;  // pool id -> the config that carried its minimum last
  std::set<std::string> dirty_;
  bool pass_posted_ = false;
  bool recovered_ = false;
  int64_t started_ms_ = 0;  // when load() ran: agents not heard since are reconnecting
  bool stopped_ = false;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer orphan_timer_;
  // Completions (store, provider) check it: none runs into a destroyed autoscaler.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace corral::autoscaler
