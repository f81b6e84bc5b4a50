// The manager's view of every enrolled agent: who is connected on which connection, what each
// last reported, and whether it is online, missing, offline or revoked. Lives on the core thread;
// the transport's events reach it through the Manager. Persists through the Store: hellos and
// capacity changes at once, last-seen times in periodic batches. Publishes what happens to
// FleetEvents (fleet_events.h), which is how the rest of the manager learns of it.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/ws/sequencer.h"
#include "corral/api/v1/api.pb.h"
#include "manager/fleet/agent_commands.h"
#include "manager/fleet/fleet_events.h"
#include "manager/fleet/pending_commands.h"
#include "manager/fleet/server_settings_source.h"
#include "manager/net/transport.h"
#include "manager/store/store.h"
#include "manager/store/store_executor.h"

namespace corral::manager {

struct RegistrySettings {
  uint32_t heartbeat_interval_seconds = 10;
  // Silent for this many intervals: missing.
  uint32_t missing_after_intervals = 3;
  std::string manager_version;
  // A command not answered within this long finishes as timed_out.
  std::chrono::seconds command_timeout{60};
  // Last-seen times are written once per this interval (or per heartbeat interval, when that is
  // longer), and at shutdown. They are for operators, not liveness: the API answers from memory
  // while the manager runs, and the store is read only after a restart. Each write updates one
  // row per agent heard from, a random page each: 10,000 pages of WAL at 10,000 agents.
  std::chrono::seconds last_seen_write_interval{60};
};

// Which agents a listing returns; empty fields match everything.
struct AgentFilter {
  corral::api::v1::AgentStatus status = corral::api::v1::AGENT_STATUS_UNSPECIFIED;
  std::map<std::string, std::string> labels;  // every one must match
  std::string server_id;
};

struct AgentPage {
  std::vector<corral::api::v1::Agent> agents;
  // The id of the last agent returned when more may follow; empty on the last page.
  std::string last_id;
};

class AgentRegistry final : public AgentCommands {
 public:
  // Writes go through `store` (never blocking the core); `load` reads at start. Each Welcome
  // carries what `server_settings` holds for the agent then.
  AgentRegistry(store::StoreExecutor& store, const Clock& clock, RegistrySettings settings, Transport& transport,
                FleetEvents& events, const ServerSettingsSource& server_settings);

  // At start, before the core runs: loads every enrolled agent.
  Status load(store::Store& store);

  void on_connected(ConnId conn, const std::string& agent_id, const std::string& serial, const std::string& peer);
  void on_envelope(ConnId conn, const corral::agent::v1::Envelope& envelope);
  void on_closed(ConnId conn, const std::string& reason);

  // Picks up an agent enrollment just wrote to the store.
  void add_enrolled(store::AgentRecord record);

  std::vector<corral::api::v1::Agent> list() const;
  // Up to `limit` agents matching `filter` with ids after `after_id`, in id order.
  AgentPage list_page(const AgentFilter& filter, const std::string& after_id, size_t limit) const;
  Result<corral::api::v1::Agent> get(const std::string& agent_id) const;
  // Revokes the certificate, closes its connection and refuses it from now on. The revocation is
  // written first; `done` gets the agent as it is then (on the core, later).
  void revoke(const std::string& agent_id, std::function<void(Result<corral::api::v1::Agent>)> done);
  // Sends a command; fails with failed_precondition when the agent is not connected. The command
  // finishes later with exactly one CommandFinishedEvent.
  Result<std::string> send_command(const std::string& agent_id, corral::agent::v1::Command command) override;

  // Periodic work: marks silent agents missing, times out unanswered commands and, once per
  // last_seen_write_interval (or when flush_now), writes last-seen times: in writes of at most
  // kLastSeenRowsPerWrite rows, each queued when the one before is done, so other core work
  // (a placement's commit) runs between them; with flush_now (shutdown) in one write.
  void sweep(bool flush_now = false);
  static constexpr size_t kLastSeenRowsPerWrite = 256;

  size_t connected_count() const { return by_conn_.size(); }

 private:
  struct LiveAgent {
    store::AgentRecord record;
    ConnId conn = 0;
    bool greeted = false;  // Hello received on this connection
    bool missing = false;
    std::chrono::steady_clock::time_point last_heard{};
    bool last_seen_dirty = false;
    std::string persisted_capacity;  // serialized, as last written to the store
    ws::Sequencer sequencer;
  };

  corral::api::v1::AgentStatus status_of(const LiveAgent& agent) const;
  corral::api::v1::Agent to_api(const LiveAgent& agent) const;
  void send(LiveAgent& agent, corral::agent::v1::Envelope envelope);
  void protocol_error(LiveAgent& agent, const std::string& why);
  // Closes the agent's current connection and forgets it.
  void drop_connection(LiveAgent& agent, uint16_t code, const std::string& why);
  void handle_hello(LiveAgent& agent, const corral::agent::v1::Hello& hello);
  void handle_capacity(LiveAgent& agent, const corral::agent::v1::CapacityReport& report);
  void touch(LiveAgent& agent);
  // The registry's view of a write: logged when it fails, nothing else waits for it.
  void write(std::string what, const std::string& agent_id, std::function<Status(store::Store&)> work);
  void handle_command_result(LiveAgent& agent, const corral::agent::v1::CommandResult& result);
  // Publishes CommandFinishedEvent for each.
  void finish_commands(std::vector<PendingCommands::Pending> commands, CommandFinishedEvent::Outcome outcome);
  // Forgets the agent's connection and tells observers (its pending commands are lost with it).
  void disconnected(LiveAgent& agent, const std::string& reason);

  store::StoreExecutor& store_;
  const Clock& clock_;
  RegistrySettings settings_;
  Transport& transport_;
  FleetEvents& events_;
  const ServerSettingsSource& server_settings_;
  std::map<std::string, LiveAgent> agents_;  // ordered: list() is stable
  PendingCommands commands_;
  std::unordered_map<ConnId, std::string> by_conn_;
  std::chrono::steady_clock::time_point last_flush_{};

  using LastSeen = std::vector<std::pair<std::string, int64_t>>;
  // Writes rows [from, from + part) of `seen`, then queues the rest, `part` rows at a time.
  void write_last_seen(const std::shared_ptr<const LastSeen>& seen, size_t from, size_t part);
};

}  // namespace corral::manager
