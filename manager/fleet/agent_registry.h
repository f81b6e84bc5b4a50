// The manager's view of every enrolled agent: who is connected on which connection, what each
// last reported, and whether it is online, missing, offline or revoked. Lives on the core thread;
// the transport's events reach it through ManagerCore. Persists through the Store: hellos and
// capacity changes at once, last-seen times in periodic batches.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/ws/sequencer.h"
#include "corral/api/v1/api.pb.h"
#include "manager/net/transport.h"
#include "manager/store/store.h"

namespace corral::manager {

struct RegistrySettings {
  uint32_t heartbeat_interval_seconds = 10;
  // Silent for this many intervals: missing.
  uint32_t missing_after_intervals = 3;
  std::string manager_version;
};

class AgentRegistry {
 public:
  AgentRegistry(store::Store& store, const Clock& clock, RegistrySettings settings);

  // Loads every enrolled agent from the store.
  Status load();
  void set_transport(Transport* transport) { transport_ = transport; }

  void on_connected(ConnId conn, const std::string& agent_id, const std::string& serial, const std::string& peer);
  void on_envelope(ConnId conn, const corral::agent::v1::Envelope& envelope);
  void on_closed(ConnId conn, const std::string& reason);

  // Picks up an agent enrollment just wrote to the store.
  Status add_enrolled(const std::string& agent_id);

  std::vector<corral::api::v1::Agent> list() const;
  Result<corral::api::v1::Agent> get(const std::string& agent_id) const;
  // Revokes the certificate, closes its connection and refuses it from now on.
  Result<corral::api::v1::Agent> revoke(const std::string& agent_id);
  // Sends a command; fails with failed_precondition when the agent is not connected.
  Result<std::string> send_command(const std::string& agent_id, corral::agent::v1::Command command);

  // Periodic work: marks silent agents missing and, once per heartbeat interval (or when
  // flush_now), writes last-seen times in one batch.
  void sweep(bool flush_now = false);

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

  store::Store& store_;
  const Clock& clock_;
  RegistrySettings settings_;
  Transport* transport_ = nullptr;
  std::map<std::string, LiveAgent> agents_;  // ordered: list() is stable
  std::unordered_map<ConnId, std::string> by_conn_;
  std::chrono::steady_clock::time_point last_flush_{};
};

}  // namespace corral::manager
