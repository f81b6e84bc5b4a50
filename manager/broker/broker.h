// The session broker: places a user's session on a server of the workspace's pool
// (docs/placement.md), commits the reservation before it answers, tells the server's agent, and
// keeps sessions in step with what agents report until they end (docs/broker.md). It owns the
// settings the manager sends each agent that backs a server. It hears about agents through
// FleetEvents and commands them through AgentCommands; the REST API calls place(), end(), the
// settings methods and the catalog writes (pools, servers, workspaces: broker_catalog.cpp), which
// the broker commits and applies before it answers. Core thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>

#include "common/clock.h"
#include "common/result.h"
#include "manager/broker/broker_state.h"
#include "manager/broker/catalog_outcome.h"
#include "manager/broker/connection_details.h"
#include "manager/broker/placement.h"
#include "manager/broker/server_settings_table.h"
#include "manager/fleet/agent_commands.h"
#include "manager/fleet/enrollment.h"
#include "manager/fleet/fleet_events.h"
#include "manager/store/store.h"
#include "manager/store/store_executor.h"

namespace corral::broker {

struct BrokerSettings {
  // A placed session the agent has not confirmed within this long is released.
  std::chrono::seconds reservation_timeout{60};
};

struct PlacedSession {
  store::SessionRecord session;  // as committed: reserved
  ConnectionDetails connection;
};

// Placed, or refused because no server can take it (the API's 503; describe() words it).
using PlaceOutcome = std::variant<PlacedSession, NotPlaced>;

// What the autoscaler hears from the broker: a server's state or load may have changed.
struct ServerNotice {
  std::string server_id;
  std::string autoscale_config_id;  // empty for a static server
  bool session_ended = false;       // a session on it has ended
  bool removed = false;             // its row is gone
};

// More writes committed in the same unit of work as a server's creation or deletion (the
// autoscaler's intent, join token and events), given the row as written or as it was.
using AlsoWrite = std::function<Status(store::Repositories&, const store::ServerRecord&)>;

class Broker final : public manager::FleetObserver, public manager::EnrollmentBindings {
 public:
  using PlaceReply = std::function<void(Result<PlaceOutcome>)>;
  using EndReply = std::function<void(Result<store::SessionEnding>)>;
  using ServerReply = std::function<void(Result<store::ServerRecord>)>;

  // Subscribes to `events` for as long as it lives. `server_settings` is the table the agent
  // registry builds Welcome from: the broker fills it in load() and keeps it current.
  Broker(store::StoreExecutor& store, const Clock& clock, BrokerSettings settings, manager::AgentCommands& agents,
         manager::FleetEvents& events, ServerSettingsTable& server_settings);
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // At start, before the core runs (so the first Welcome already has its settings), reading
  // `store` directly: pools, servers, workspaces, unfinished sessions and the agents' last
  // reports. Releases reservations that expired while the manager was down.
  Status load(store::Store& store);

  // Where the next session of the workspace for `user` goes. Once the reservation is committed,
  // `reply` gets the session and the server's connection details, and the agent is sent
  // PrepareSession. A refusal (no server can take it) and a bad request are answered before
  // place() returns: not_found for an unknown workspace, failed_precondition for a disabled one,
  // invalid_argument for a bad user name.
  void place(const std::string& workspace_id, const std::string& user, PlaceReply reply);

  // Ends a reserved or active session for `reason` (not none): commits, frees its slot, then
  // logs it off on its agent (now, or when the agent is next welcomed). Idempotent: a session
  // that has ended answers already_ended, an unknown one not_found.
  void end(const std::string& session_id, store::SessionEndReason reason, EndReply reply);

  // The manager owns these settings of a server: each is committed, then sent to the server's
  // agent if it is connected (Drain, SetMaxSessions, SetLabels) and repeated in every Welcome.
  // `reply` gets the server as stored; not_found for an unknown server, invalid_argument for
  // labels an agent cannot carry (server_labels.h).
  void set_draining(const std::string& server_id, bool draining, ServerReply reply);
  void set_max_sessions(const std::string& server_id, uint32_t max_sessions, ServerReply reply);
  void set_labels(const std::string& server_id, store::LabelSet labels, ServerReply reply);

  // The catalog (broker_catalog.cpp, broker_server_catalog.cpp). The broker is the one writer of
  // these rows: each change is committed, then applied to the placement index, the Welcome
  // settings and (for a server's max sessions, draining and labels) sent to its agent, before
  // `reply` runs. Records come checked by the caller (the API); `based_on` is the revision an
  // update was made from. A refusal is a CatalogOutcome, not an error.
  void create_pool(store::PoolRecord pool, CatalogReply<store::PoolRecord> reply);
  void update_pool(store::PoolRecord pool, uint64_t based_on, CatalogReply<store::PoolRecord> reply);
  void delete_pool(const std::string& pool_id, CatalogReply<store::PoolRecord> reply);
  void create_workspace(store::WorkspaceRecord workspace, CatalogReply<store::WorkspaceRecord> reply);
  void update_workspace(store::WorkspaceRecord workspace, uint64_t based_on,
                        CatalogReply<store::WorkspaceRecord> reply);
  void delete_workspace(const std::string& workspace_id, CatalogReply<store::WorkspaceRecord> reply);
  // server.agent_id may name the agent to bind at creation; an update keeps the agent. `also`
  // (optional) commits with the change, and a failure of it undoes the change.
  void create_server(store::ServerRecord server, CatalogReply<store::ServerRecord> reply, AlsoWrite also = {});
  void update_server(store::ServerRecord server, uint64_t based_on, CatalogReply<store::ServerRecord> reply,
                     AlsoWrite also = {});
  void delete_server(const std::string& server_id, CatalogReply<store::ServerRecord> reply, AlsoWrite also = {});
  // "" unbinds. A connected agent is sent the server's settings at once.
  void assign_agent(const std::string& server_id, const std::string& agent_id, CatalogReply<store::ServerRecord> reply);
  // Enrollment bound a new agent to `server` (committed).
  void on_agent_bound(const store::ServerRecord& server) override;

  // The catalog as committed (nullptr when unknown): the API checks requests against it.
  const store::PoolRecord* find_pool(const std::string& pool_id) const;
  const store::ServerRecord* find_server(const std::string& server_id) const;
  const store::WorkspaceRecord* find_workspace(const std::string& workspace_id) const;
  // The workspace with this id or, when no id matches, this name (the REST API accepts either).
  const store::WorkspaceRecord* find_workspace_by_id_or_name(const std::string& id_or_name) const;

  // The autoscaler's view: the server as the broker holds it (nullptr when unknown), every
  // server (at start), and each change as it happens. The listener runs inside the broker's own
  // work: it may only note the change, never call back into the broker.
  const ServerEntry* server_entry(const std::string& server_id) const;
  template <typename Fn>
  void for_each_server(Fn fn) const {
    for (const auto& [id, entry] : servers_) fn(entry);
  }
  void set_change_listener(std::function<void(const ServerNotice&)> listener) { listener_ = std::move(listener); }

  // Releases reservations whose time is up (end reason expired_reservation). The manager calls
  // it every second; tests call it after moving their clock.
  void sweep();

  // What the broker holds now (tests; later metrics).
  std::optional<store::SessionRecord> session(const std::string& session_id) const;
  size_t unfinished_sessions() const { return sessions_.size(); }
  // How many sessions the broker's session tables hold before they next grow.
  size_t session_room() const { return sessions_.bucket_count(); }
  // Reserved plus active sessions the broker counts on the server (0 for an unknown one).
  uint32_t server_load(const std::string& server_id) const;

  void on_agent_welcomed(const manager::AgentWelcomedEvent& e) override;
  void on_capacity_changed(const manager::CapacityChangedEvent& e) override;
  void on_agent_missing(const manager::AgentMissingEvent& e) override;
  void on_agent_back(const manager::AgentBackEvent& e) override;
  void on_agent_disconnected(const manager::AgentDisconnectedEvent& e) override;
  void on_agent_revoked(const manager::AgentRevokedEvent& e) override;
  void on_command_finished(const manager::CommandFinishedEvent& e) override;

 private:
  // A command the broker sent and is waiting to hear the end of.
  struct SentCommand {
    enum class Kind { prepare, logoff, settings };
    Kind kind = Kind::settings;
    std::string server_id;
    std::string session_id;  // prepare: the session; logoff: the agent's id of it
  };

  int64_t now() const { return unix_seconds(clock_.now()); }
  int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch()).count();
  }
  PoolEntry* pool_of(const ServerEntry& server);
  void notify(const ServerEntry& server, bool session_ended = false) const;
  ServerEntry* server_of_agent(const std::string& agent_id);
  // Tells the pool's index what changed about the server.
  void refresh(ServerEntry& server);
  // Counts a session on its server (and its expiry, while reserved), or stops counting it.
  void track(SessionEntry entry);
  void untrack(const std::string& session_id);
  // `silent_ms`: how long a missing agent has been silent already.
  void set_agent_state(const std::string& agent_id, bool connected, bool missing, int64_t silent_ms = 0);
  void publish_settings(const ServerEntry& server);
  // Sends the agent of `server` the settings named, when it is connected.
  void send_settings(ServerEntry& server, bool max_sessions, bool draining, bool labels);
  // Makes the stored row the server's: its agent binding (presence, last report, Welcome
  // settings), its place in the index, and its changed settings sent to its agent.
  void apply_server(store::ServerRecord row);
  // A fresh index for the pool, from its servers and workspaces (a pool or workspace changed).
  void rebuild_index(const std::string& pool_id);
  // Sizes the tables keyed by session for every slot the servers have (up to a cap), so that they
  // grow when servers are added, never in the middle of a burst of placements.
  void make_room_for_sessions();
  // Why a pool cannot go: what it still has, counted.
  std::string pool_dependents(const store::PoolRecord& pool) const;

  void send(ServerEntry& server, corral::agent::v1::Command command, SentCommand sent);
  void send_prepare(ServerEntry& server, const store::SessionRecord& session);
  void send_logoff(ServerEntry& server, const std::string& agent_session_id);
  // Until the agent answers it or reports without the session (sent now if it is connected).
  void owe_logoff(const std::string& server_id, const std::string& agent_session_id);
  void prepare_answered(const SentCommand& sent, const manager::CommandFinishedEvent& e);
  void logoff_answered(const SentCommand& sent, const manager::CommandFinishedEvent& e);

  void reserved(const std::string& session_id, const Status& written, const PlaceReply& reply);
  // Commits the end, then untracks the session; owes the agent a logoff when it may hold it.
  void finish(const std::string& session_id, store::SessionEndReason reason, bool logoff, EndReply reply);

  // `fresh`: the report just arrived (not the last one known, looked at again at a Welcome).
  void reconcile(ServerEntry& server, const corral::agent::v1::CapacityReport& report, bool fresh);
  void activate(const std::string& session_id);
  void activated(const std::string& session_id, int64_t at, const Result<store::SessionActivation>& outcome);
  void record_reported(ServerEntry& server, const corral::agent::v1::Session& reported);

  // Commits `change` to the server's row (inside one unit of work, which reads the row back),
  // then applies the stored row and sends `command` to its agent.
  using ServerChange = std::function<Status(store::Repositories&, store::ServerRecord&)>;
  void change_server(const std::string& server_id, ServerChange change, corral::agent::v1::Command command,
                     ServerReply reply);

  Status load_pools(store::Store& store);
  Status load_servers(store::Store& store);
  Status load_workspaces(store::Store& store);
  Status load_sessions(store::Store& store);
  Status load_reports(store::Store& store);

  store::StoreExecutor& store_;
  const Clock& clock_;
  BrokerSettings settings_;
  manager::AgentCommands& agents_;
  ServerSettingsTable& server_settings_;

  std::unordered_map<std::string, PoolEntry> pools_;
  std::unordered_map<std::string, ServerEntry> servers_;
  std::unordered_map<std::string, store::WorkspaceRecord> workspaces_;
  std::unordered_map<std::string, SessionEntry> sessions_;
  std::unordered_map<std::string, std::string> server_by_agent_;
  // Every welcomed agent, backing a server or not, so one bound at run time is known to be there.
  struct AgentPresence {
    bool connected = false;
    bool missing = false;
  };
  std::unordered_map<std::string, AgentPresence> presence_;
  // The last capacity report of each agent (one bound later counts its capacity at once).
  std::unordered_map<std::string, corral::agent::v1::CapacityReport> reports_;
  // Reservations by expiry (unix seconds), so the sweep reads only the ones that are due.
  std::set<std::pair<int64_t, std::string>> expiries_;
  std::unordered_map<std::string, SentCommand> commands_;
  std::function<void(const ServerNotice&)> listener_;

  // Last: unsubscribes before the state above goes.
  manager::FleetEvents::Subscription subscription_;
};

}  // namespace corral::broker
