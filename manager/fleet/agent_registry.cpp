#include "manager/fleet/agent_registry.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>

#include "common/encoding.h"
#include "common/log.h"
#include "manager/fleet/agent_input.h"

namespace corral::manager {
namespace {

using corral::api::v1::AgentStatus;
using google::protobuf::util::TimeUtil;

}  // namespace

AgentRegistry::AgentRegistry(store::StoreExecutor& store, const Clock& clock, RegistrySettings settings,
                             Transport& transport, FleetEvents& events, const ServerSettingsSource& server_settings)
    : store_(store),
      clock_(clock),
      settings_(std::move(settings)),
      transport_(transport),
      events_(events),
      server_settings_(server_settings) {}

Status AgentRegistry::load(store::Store& store) {
  auto records = store.agents().list();
  if (!records.ok()) return records.status();
  for (store::AgentRecord& r : *records) {
    LiveAgent& a = agents_[r.id];
    a.persisted_capacity = r.capacity.SerializeAsString();
    a.record = std::move(r);
  }
  log::info("registry.loaded", {{"agents", agents_.size()}});
  return {};
}

void AgentRegistry::add_enrolled(store::AgentRecord record) {
  LiveAgent& a = agents_[record.id];
  a.persisted_capacity = record.capacity.SerializeAsString();
  a.record = std::move(record);
}

void AgentRegistry::write(std::string what, const std::string& agent_id, std::function<Status(store::Store&)> work) {
  store_.submit(std::move(work), [what = std::move(what), agent_id](const Status& s) {
    if (!s.ok()) log::error("store.write_failed", {{"what", what}, {"agent_id", agent_id}, {"error", s.to_string()}});
  });
}

void AgentRegistry::on_connected(ConnId conn, const std::string& agent_id, const std::string& serial,
                                 const std::string& peer) {
  auto it = agents_.find(agent_id);
  if (it == agents_.end()) {
    // Signed by our CA but unknown to the store (a restored or foreign database): refuse.
    log::warn("agent.refused", {{"agent_id", agent_id}, {"conn", conn}, {"reason", "not enrolled"}, {"peer", peer}});
    transport_.close_agent(conn, kCloseRevoked, "agent is not enrolled with this manager");
    return;
  }
  LiveAgent& a = it->second;
  if (a.record.revoked_at != 0 || a.record.certificate_serial != serial) {
    log::warn("agent.refused", {{"agent_id", agent_id}, {"conn", conn}, {"reason", "certificate revoked"}});
    transport_.close_agent(conn, kCloseRevoked, "certificate revoked");
    return;
  }
  if (a.conn != 0) {
    // The agent reconnected before we saw its old connection drop: keep the newest.
    drop_connection(a, kCloseReplaced, "replaced by a newer connection");
  }
  a.conn = conn;
  a.greeted = false;
  a.missing = false;
  a.sequencer = ws::Sequencer{};
  by_conn_[conn] = agent_id;
  touch(a);
  log::info("agent.connected", {{"agent_id", agent_id}, {"conn", conn}, {"peer", peer}});
  events_.publish([&](FleetObserver& o) { o.on_agent_connected({agent_id, conn, peer}); });
}

void AgentRegistry::on_closed(ConnId conn, const std::string& reason) {
  auto it = by_conn_.find(conn);
  if (it == by_conn_.end()) return;
  disconnected(agents_.at(it->second), reason);
}

void AgentRegistry::disconnected(LiveAgent& agent, const std::string& reason) {
  log::info("agent.disconnected", {{"agent_id", agent.record.id}, {"conn", agent.conn}, {"reason", reason}});
  by_conn_.erase(agent.conn);
  agent.conn = 0;
  agent.greeted = false;
  agent.missing = false;
  const std::string id = agent.record.id;  // observers may not rely on `agent` staying put
  finish_commands(commands_.take_agent(id), CommandFinishedEvent::Outcome::connection_lost);
  events_.publish([&](FleetObserver& o) { o.on_agent_disconnected({id, reason}); });
}

void AgentRegistry::finish_commands(std::vector<PendingCommands::Pending> commands,
                                    CommandFinishedEvent::Outcome outcome) {
  for (PendingCommands::Pending& p : commands) {
    CommandFinishedEvent e;
    e.agent_id = std::move(p.agent_id);
    e.command_id = p.command.command_id();
    e.command = std::move(p.command);
    e.outcome = outcome;
    log::info("agent.command_finished",
              {{"agent_id", e.agent_id}, {"command_id", e.command_id}, {"outcome", command_outcome_name(outcome)}});
    events_.publish([&](FleetObserver& o) { o.on_command_finished(e); });
  }
}

void AgentRegistry::touch(LiveAgent& agent) {
  agent.last_heard = clock_.steady_now();
  agent.record.last_seen = unix_seconds(clock_.now());
  agent.last_seen_dirty = true;
  if (agent.missing) {
    agent.missing = false;
    log::info("agent.back", {{"agent_id", agent.record.id}});
    events_.publish([&](FleetObserver& o) { o.on_agent_back({agent.record.id}); });
  }
}

void AgentRegistry::send(LiveAgent& agent, corral::agent::v1::Envelope envelope) {
  envelope.set_seq(agent.sequencer.next_seq());
  envelope.set_ack(agent.sequencer.last_peer_seq());
  transport_.send_envelope(agent.conn, envelope);
}

void AgentRegistry::protocol_error(LiveAgent& agent, const std::string& why) {
  log::warn("agent.protocol_error", {{"agent_id", agent.record.id}, {"conn", agent.conn}, {"reason", why}});
  drop_connection(agent, kCloseProtocolError, why);
}

void AgentRegistry::drop_connection(LiveAgent& agent, uint16_t code, const std::string& why) {
  transport_.close_agent(agent.conn, code, why);
  // The transport's own close notice will find no agent for this connection: say it here.
  disconnected(agent, why);
}

void AgentRegistry::on_envelope(ConnId conn, const corral::agent::v1::Envelope& envelope) {
  auto it = by_conn_.find(conn);
  if (it == by_conn_.end()) return;  // refused or replaced meanwhile
  LiveAgent& a = agents_.at(it->second);
  if (Status s = a.sequencer.observe_peer_seq(envelope.seq()); !s.ok()) return protocol_error(a, s.message());
  touch(a);

  using Body = corral::agent::v1::Envelope::BodyCase;
  // A message a newer agent added to v1 arrives with no body we know: skip it.
  if (envelope.body_case() == Body::BODY_NOT_SET) return;
  if (!a.greeted && envelope.body_case() != Body::kHello) {
    return protocol_error(a, "the first frame on a connection must be Hello");
  }
  switch (envelope.body_case()) {
    case Body::kHello: handle_hello(a, envelope.hello()); break;
    case Body::kHeartbeat: break;
    case Body::kCapacityReport: handle_capacity(a, envelope.capacity_report()); break;
    case Body::kCommandResult: handle_command_result(a, envelope.command_result()); break;
    default: protocol_error(a, "agents may not send this message type");
  }
}

void AgentRegistry::handle_hello(LiveAgent& agent, const corral::agent::v1::Hello& hello) {
  if (agent.greeted) return protocol_error(agent, "Hello sent twice on one connection");
  // What the agent says about itself reaches the store, logs, the API and terminals: check it.
  if (Status s = check_hello(hello); !s.ok()) return protocol_error(agent, "Hello refused: " + s.message());
  agent.greeted = true;
  agent.record.hello = hello;
  write("hello", agent.record.id, [id = agent.record.id, hello, seen = agent.record.last_seen](store::Store& s) {
    return s.agents().update_hello(id, hello, seen);
  });
  corral::agent::v1::Envelope welcome;
  auto* w = welcome.mutable_welcome();
  w->set_agent_id(agent.record.id);
  w->set_heartbeat_interval_seconds(settings_.heartbeat_interval_seconds);
  w->set_server_id(agent.record.server_id);
  w->set_manager_version(settings_.manager_version);
  // The manager owns the settings of the server the agent backs: they win over its config file.
  if (auto backed = server_settings_.backed_server(agent.record.id)) {
    w->set_server_id(backed->server_id);
    *w->mutable_settings() = std::move(backed->settings);
  }
  send(agent, std::move(welcome));
  log::info("agent.hello",
            {{"agent_id", agent.record.id}, {"hostname", hello.hostname()}, {"agent_version", hello.agent_version()}});
  events_.publish([&](FleetObserver& o) { o.on_agent_welcomed({agent.record.id, agent.record.server_id, hello}); });
}

void AgentRegistry::handle_command_result(LiveAgent& agent, const corral::agent::v1::CommandResult& result) {
  auto pending = commands_.take(agent.record.id, result.command_id());
  if (!pending) {
    // Late (already timed out), a duplicate, or for a command this manager never sent.
    log::warn("agent.unexpected_command_result", {{"agent_id", agent.record.id}, {"command_id", result.command_id()}});
    return;
  }
  CommandFinishedEvent e;
  e.agent_id = agent.record.id;
  e.command_id = result.command_id();
  e.command = std::move(pending->command);
  e.outcome = CommandFinishedEvent::Outcome::answered;
  e.result = result;
  log::info(
      "agent.command_result",
      {{"agent_id", e.agent_id}, {"command_id", e.command_id}, {"ok", result.ok()}, {"message", result.message()}});
  events_.publish([&](FleetObserver& o) { o.on_command_finished(e); });
}

void AgentRegistry::handle_capacity(LiveAgent& agent, const corral::agent::v1::CapacityReport& report) {
  // Frames on one connection arrive in order, so the latest report is the current one.
  std::string bytes = report.SerializeAsString();
  bool changed = bytes != agent.record.capacity.SerializeAsString();
  corral::agent::v1::CapacityReport before = std::move(agent.record.capacity);
  agent.record.capacity = report;
  if (changed) {
    events_.publish([&](FleetObserver& o) { o.on_capacity_changed({agent.record.id, before, report}); });
  }
  // Agents send a report only on change, but after every Welcome (and older agents with every
  // heartbeat): only a change is written.
  if (bytes != agent.persisted_capacity) {
    agent.persisted_capacity = std::move(bytes);
    store_.submit(
        [id = agent.record.id, report](store::Store& s) { return s.agents().update_capacity(id, report); },
        [this, id = agent.record.id](const Status& s) {
          if (s.ok()) return;
          log::error("store.write_failed", {{"what", "capacity"}, {"agent_id", id}, {"error", s.to_string()}});
          // Not written after all: the next report is written whatever it says.
          if (auto it = agents_.find(id); it != agents_.end()) it->second.persisted_capacity.clear();
        });
  }
}

AgentStatus AgentRegistry::status_of(const LiveAgent& agent) const {
  if (agent.record.revoked_at != 0) return corral::api::v1::AGENT_STATUS_REVOKED;
  if (agent.conn == 0) return corral::api::v1::AGENT_STATUS_OFFLINE;
  return agent.missing ? corral::api::v1::AGENT_STATUS_MISSING : corral::api::v1::AGENT_STATUS_ONLINE;
}

corral::api::v1::Agent AgentRegistry::to_api(const LiveAgent& agent) const {
  const store::AgentRecord& r = agent.record;
  corral::api::v1::Agent out;
  out.set_id(r.id);
  out.set_status(status_of(agent));
  out.set_hostname(r.hello.hostname());
  out.set_agent_version(r.hello.agent_version());
  out.set_os_family(r.hello.os_family());
  out.set_os_version(r.hello.os_version());
  for (const auto& addr : r.hello.addresses()) out.add_addresses(addr);
  // Token labels are set by the admin and win over labels the agent reports about itself.
  out.mutable_labels()->insert(r.hello.labels().begin(), r.hello.labels().end());
  for (const auto& [k, v] : r.labels) (*out.mutable_labels())[k] = v;
  *out.mutable_enrolled_at() = TimeUtil::SecondsToTimestamp(r.enrolled_at);
  if (r.last_seen) *out.mutable_last_seen() = TimeUtil::SecondsToTimestamp(r.last_seen);
  if (r.capacity.ByteSizeLong() > 0) *out.mutable_capacity() = r.capacity;
  out.set_server_id(r.server_id);
  if (r.revoked_at) *out.mutable_revoked_at() = TimeUtil::SecondsToTimestamp(r.revoked_at);
  out.set_certificate_serial(r.certificate_serial);
  return out;
}

std::vector<corral::api::v1::Agent> AgentRegistry::list() const {
  std::vector<corral::api::v1::Agent> out;
  out.reserve(agents_.size());
  for (const auto& [id, a] : agents_) out.push_back(to_api(a));
  return out;
}

AgentPage AgentRegistry::list_page(const AgentFilter& filter, const std::string& after_id, size_t limit) const {
  AgentPage page;
  for (auto it = agents_.upper_bound(after_id); it != agents_.end(); ++it) {
    if (page.agents.size() == limit) {
      page.last_id = page.agents.back().id();
      break;
    }
    const LiveAgent& a = it->second;
    if (filter.status != corral::api::v1::AGENT_STATUS_UNSPECIFIED && status_of(a) != filter.status) continue;
    if (!filter.server_id.empty() && a.record.server_id != filter.server_id) continue;
    corral::api::v1::Agent view = to_api(a);
    bool labels_match = true;
    for (const auto& [k, v] : filter.labels) {
      auto l = view.labels().find(k);
      labels_match = labels_match && l != view.labels().end() && l->second == v;
    }
    if (labels_match) page.agents.push_back(std::move(view));
  }
  return page;
}

Result<corral::api::v1::Agent> AgentRegistry::get(const std::string& agent_id) const {
  auto it = agents_.find(agent_id);
  if (it == agents_.end()) return error(ErrorCode::not_found, "no agent with id " + agent_id);
  return to_api(it->second);
}

void AgentRegistry::revoke(const std::string& agent_id, std::function<void(Result<corral::api::v1::Agent>)> done) {
  auto it = agents_.find(agent_id);
  if (it == agents_.end()) return done(error(ErrorCode::not_found, "no agent with id " + agent_id));
  if (it->second.record.revoked_at != 0) {
    // Already revoked: nothing to write, but make sure it is not connected.
    if (it->second.conn != 0) drop_connection(it->second, kCloseRevoked, "certificate revoked");
    return done(to_api(it->second));
  }
  int64_t now = unix_seconds(clock_.now());
  // Written before the connection is closed, so a revoked agent is never let back in after a crash.
  store_.submit(
      [agent_id, now](store::Store& s) { return s.agents().revoke(agent_id, now); },
      [this, agent_id, now, done = std::move(done)](const Status& s) {
        if (!s.ok()) return done(s);
        LiveAgent& a = agents_.at(agent_id);
        if (a.record.revoked_at == 0) {  // two revocations may have been written: apply once
          a.record.revoked_at = now;
          transport_.add_revoked_serials({a.record.certificate_serial});
          log::info("agent.revoked", {{"agent_id", agent_id}, {"certificate_serial", a.record.certificate_serial}});
          events_.publish([&](FleetObserver& o) { o.on_agent_revoked({agent_id, a.record.certificate_serial}); });
        }
        if (a.conn != 0) drop_connection(a, kCloseRevoked, "certificate revoked");
        done(to_api(a));
      });
}

Result<std::string> AgentRegistry::send_command(const std::string& agent_id, corral::agent::v1::Command command) {
  auto it = agents_.find(agent_id);
  if (it == agents_.end()) return error(ErrorCode::not_found, "no agent with id " + agent_id);
  LiveAgent& a = it->second;
  if (a.conn == 0 || !a.greeted)
    return error(ErrorCode::failed_precondition, "agent " + agent_id + " is not connected");
  if (command.action_case() == corral::agent::v1::Command::ACTION_NOT_SET) {
    return error(ErrorCode::invalid_argument, "command has no action");
  }
  if (command.command_id().empty()) command.set_command_id(random_uuid());
  if (commands_.contains(command.command_id())) {
    return error(ErrorCode::already_exists, "a command with id " + command.command_id() + " is still pending");
  }
  std::string id = command.command_id();
  corral::agent::v1::Envelope envelope;
  *envelope.mutable_command() = command;
  send(a, std::move(envelope));
  commands_.add(agent_id, std::move(command), clock_.steady_now() + settings_.command_timeout);
  log::info("agent.command_sent", {{"agent_id", agent_id}, {"command_id", id}});
  return id;
}

void AgentRegistry::sweep(bool flush_now) {
  auto now = clock_.steady_now();
  auto limit = std::chrono::seconds(settings_.heartbeat_interval_seconds * settings_.missing_after_intervals);
  for (auto& [id, a] : agents_) {
    if (a.conn != 0 && !a.missing && now - a.last_heard >= limit) {
      a.missing = true;
      auto silent = std::chrono::duration_cast<std::chrono::seconds>(now - a.last_heard).count();
      log::warn("agent.missing", {{"agent_id", id}, {"silent_seconds", silent}});
      // Named: clang before 16 does not let a lambda capture a structured binding.
      const std::string& agent_id = id;
      events_.publish([&](FleetObserver& o) { o.on_agent_missing({agent_id, silent}); });
    }
  }
  finish_commands(commands_.take_expired(now), CommandFinishedEvent::Outcome::timed_out);
  // Last-seen times are for operators, not for liveness: one batched write per interval is enough.
  const auto every = std::max<std::chrono::seconds>(settings_.last_seen_write_interval,
                                                    std::chrono::seconds(settings_.heartbeat_interval_seconds));
  if (!flush_now && now - last_flush_ < every) return;
  last_flush_ = now;
  auto seen = std::make_shared<LastSeen>();
  for (auto& [id, a] : agents_) {
    // At shutdown every known time: parts of an earlier write still queued will not run. A row
    // already as recent is left alone by the UPDATE.
    if (a.last_seen_dirty || (flush_now && a.record.last_seen > 0)) {
      seen->emplace_back(id, a.record.last_seen);
      a.last_seen_dirty = false;
    }
  }
  if (seen->empty()) return;
  // Shutdown: the core stops after this turn, so nothing would queue a next part; all in one.
  write_last_seen(seen, 0, flush_now ? seen->size() : kLastSeenRowsPerWrite);
}

void AgentRegistry::write_last_seen(const std::shared_ptr<const LastSeen>& seen, size_t from, size_t part) {
  // 10,000 rows in one write held the core ~tens of ms once per heartbeat interval, a stall every
  // placement queued behind it waited out (docs/PERFORMANCE.md).
  const size_t to = std::min(seen->size(), from + part);
  store_.submit(
      [seen, from, to](store::Store& s) {
        return s.agents().update_last_seen(LastSeen(seen->begin() + static_cast<std::ptrdiff_t>(from),
                                                    seen->begin() + static_cast<std::ptrdiff_t>(to)));
      },
      [this, seen, to, part](const Status& s) {
        if (!s.ok()) log::error("store.write_failed", {{"what", "last_seen"}, {"error", s.to_string()}});
        // The next part is queued from this answer, so it runs in a later turn of the core.
        if (to < seen->size()) write_last_seen(seen, to, part);
      });
}

}  // namespace corral::manager
