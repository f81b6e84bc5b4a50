// The loop's lifecycle and triggers: loading, the broker's change notices, the tick, events.
#include "manager/autoscaler/autoscaler.h"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <utility>

#include "common/log.h"
#include "manager/broker/placement_rule.h"
#include "manager/store/page.h"

namespace corral::autoscaler {

Autoscaler::Autoscaler(boost::asio::io_context& io, store::StoreExecutor& store, broker::Broker& broker, VmGateway& vms,
                       RecordGateway& records, const SecretBox& secrets, const Clock& clock,
                       AutoscalerSettings settings)
    : io_(io),
      store_(store),
      broker_(broker),
      vms_(vms),
      records_(records),
      secrets_(secrets),
      clock_(clock),
      settings_(std::move(settings)),
      tick_timer_(io),
      orphan_timer_(io) {
  broker_.set_change_listener([this](const broker::ServerNotice& change) { on_server_change(change); });
}

Autoscaler::~Autoscaler() {
  broker_.set_change_listener({});
  *alive_ = false;
}

Status Autoscaler::load(store::Store& store) {
  started_ms_ = now_ms();
  Status listed = store::for_each_page<store::AutoscaleConfigRecord>(
      [&](const store::PageRequest& p) { return store.autoscale_configs().list({}, p); },
      [&](store::AutoscaleConfigRecord config) {
        std::string id = config.id;
        pool_configs_[config.pool_id].insert(id);
        configs_[id].config = std::move(config);
      });
  if (!listed.ok()) return listed;
  broker_.for_each_server([&](const broker::ServerEntry& server) {
    const store::ServerRecord& r = server.record;
    if (r.origin != store::ServerOrigin::autoscaled) return;
    ConfigState* c = config_of(r.autoscale_config_id);
    if (c == nullptr) return;
    bool added = false;
    ServerFacts& facts = note_server(*c, server, &added);
    if (r.agent_id.empty()) {
      c->awaiting.emplace(r.id, 0);
      facts.awaiting = true;
    }
  });
  auto unfinished = store.intents().list_unfinished();
  if (!unfinished.ok()) return unfinished.status();
  unfinished_ = std::move(unfinished).value();
  // Until resolved, a server with an unfinished intent is being created or deleted.
  for (const store::IntentRecord& intent : unfinished_) {
    actions_[intent.server_id] =
        Action{intent.kind == store::IntentKind::create_vm ? ActionKind::create : ActionKind::remove, intent.id,
               intent.autoscale_config_id};
  }
  log::info("autoscaler.loaded", {{"configs", configs_.size()}, {"unfinished_intents", unfinished_.size()}});
  return {};
}

void Autoscaler::start() {
  schedule_tick();
  schedule_orphan_sweep();
  recover();
}

void Autoscaler::stop() {
  stopped_ = true;
  tick_timer_.cancel();
  orphan_timer_.cancel();
}

Autoscaler::ConfigState* Autoscaler::config_of(const std::string& config_id) {
  auto it = configs_.find(config_id);
  return it == configs_.end() ? nullptr : &it->second;
}

const Autoscaler::ConfigState* Autoscaler::config_of(const std::string& config_id) const {
  auto it = configs_.find(config_id);
  return it == configs_.end() ? nullptr : &it->second;
}

void Autoscaler::mark_pool_dirty(const std::string& pool_id) {
  auto ids = pool_configs_.find(pool_id);
  if (ids == pool_configs_.end()) return;
  for (const std::string& id : ids->second) mark_dirty(id);
}

void Autoscaler::config_changed(const std::string& config_id) {
  store_.submit(
      [config_id](store::Store& s) { return s.autoscale_configs().get(config_id); },
      [this, config_id, alive = std::weak_ptr<bool>(alive_)](Result<std::optional<store::AutoscaleConfigRecord>> got) {
        if (alive.expired() || stopped_) return;
        if (!got.ok()) {
          log::error("autoscaler.config_read_failed",
                     {{"autoscale_config_id", config_id}, {"error", got.status().to_string()}});
          return;
        }
        if (!got->has_value()) {
          // Deleted: the API refuses that while it has servers, so nothing is left to clean.
          if (const ConfigState* gone = config_of(config_id)) pool_configs_[gone->config.pool_id].erase(config_id);
          configs_.erase(config_id);
          return;
        }
        ConfigState& c = configs_[config_id];
        pool_configs_[(*got)->pool_id].insert(config_id);  // a config's pool never changes
        const bool was_dry = c.config.dry_run && !c.config.id.empty();
        c.config = std::move(**got);
        if (was_dry != c.config.dry_run) c.last_decision.clear();
        mark_dirty(config_id);
      });
}

void Autoscaler::on_server_change(const broker::ServerNotice& change) {
  if (change.autoscale_config_id.empty()) return;
  ConfigState* c = config_of(change.autoscale_config_id);
  if (change.removed) {
    delete_retry_at_.erase(change.server_id);
    if (c != nullptr) {
      forget_server(*c, change.server_id);
      c->awaiting.erase(change.server_id);
    }
  } else if (c != nullptr) {
    const broker::ServerEntry* entry = broker_.server_entry(change.server_id);
    ServerFacts* facts = nullptr;
    if (entry != nullptr) {
      bool added = false;
      facts = &note_server(*c, *entry, &added);
      if (added && !entry->agent_connected) c->awaiting.try_emplace(change.server_id, now_ms());
      facts->awaiting = c->awaiting.contains(change.server_id);
      if (change.session_ended) facts->used = true;
    }
    // Its agent is connected for the first time: the VM has checked in.
    auto awaited = c->awaiting.find(change.server_id);
    if (entry != nullptr && awaited != c->awaiting.end() && entry->agent_connected && !entry->agent_missing) {
      const int64_t requested_ms = awaited->second;
      c->awaiting.erase(awaited);
      facts->awaiting = false;
      const int64_t took_s = (now_ms() - entry->record.created_at * 1000) / 1000;
      event("vm.checked_in", store::EventSeverity::info, c->config.id, change.server_id, entry->record.vm_id,
            "server " + entry->record.hostname + " checked in after " + std::to_string(took_s) + " s");
      forget_join_password(change.server_id);  // it has joined (or never will with this one)
      // A VM asked for after the last failure works: the failures are over. (One asked for
      // before it proves nothing about what failed since.)
      if (c->failures > 0 && requested_ms > c->last_failure_ms) {
        if (c->backoff_until_ms > now_ms()) {
          event("autoscale.backoff_left", store::EventSeverity::info, c->config.id, "", "",
                "a VM checked in: creates resume at once");
        }
        c->failures = 0;
        c->backoff_until_ms = 0;
        c->capacity_failed = false;
      }
    }
  }
  // The pool's other configs count this server's capacity too.
  if (c != nullptr) mark_pool_dirty(c->config.pool_id);
}

Autoscaler::ServerFacts& Autoscaler::note_server(ConfigState& c, const broker::ServerEntry& entry, bool* added) {
  const store::ServerRecord& r = entry.record;
  auto it = std::lower_bound(c.servers.begin(), c.servers.end(), r.id,
                             [](const ServerFacts& f, const std::string& id) { return f.id < id; });
  *added = it == c.servers.end() || it->id != r.id;
  if (*added) {
    const auto at = it - c.servers.begin();
    it = c.servers.emplace(it);
    it->id = r.id;
    c.views.emplace(c.views.begin() + at)->id = r.id;
  }
  it->sessions = entry.sessions;
  it->max_sessions = r.max_sessions;
  it->created_at_ms = r.created_at * 1000;
  it->away_since_ms = entry.away_since_ms;
  it->enabled = r.enabled;
  it->draining = r.draining;
  it->agent_connected = entry.agent_connected;
  it->agent_missing = entry.agent_missing;
  const broker::Resources overrides = broker::resources(r.resource_overrides);
  it->resources = broker::capacity(entry.reported, overrides);
  it->free_resources = broker::free_resources(entry.reported, overrides, entry.used);
  return *it;
}

void Autoscaler::forget_server(ConfigState& c, const std::string& server_id) {
  auto it = std::lower_bound(c.servers.begin(), c.servers.end(), server_id,
                             [](const ServerFacts& f, const std::string& id) { return f.id < id; });
  if (it == c.servers.end() || it->id != server_id) return;
  c.views.erase(c.views.begin() + (it - c.servers.begin()));
  c.servers.erase(it);
}

void Autoscaler::mark_dirty(const std::string& config_id) {
  dirty_.insert(config_id);
  if (pass_posted_ || stopped_) return;
  pass_posted_ = true;
  boost::asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    pass_posted_ = false;
    run_dirty();
  });
}

void Autoscaler::run_dirty() {
  if (stopped_ || !recovered_) return;
  std::set<std::string> dirty = std::move(dirty_);
  dirty_.clear();
  for (const std::string& id : dirty) {
    if (ConfigState* c = config_of(id)) reconcile(*c);
  }
}

void Autoscaler::reconcile_all() {
  if (stopped_ || !recovered_) {
    for (auto& [id, c] : configs_) dirty_.insert(id);
    return;
  }
  // What run_dirty() does with every config marked, in the same (id) order, without copying and
  // looking up every id; configs marked during the pass stay marked for the next, as there.
  dirty_.clear();
  for (auto& [id, c] : configs_) reconcile(c);
}

void Autoscaler::schedule_tick() {
  tick_timer_.expires_after(settings_.tick);
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    reconcile_all();
    schedule_tick();
  });
}

void Autoscaler::schedule_orphan_sweep() {
  orphan_timer_.expires_after(settings_.orphan_sweep_interval);
  orphan_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    if (recovered_) sweep_orphans();
    schedule_orphan_sweep();
  });
}

void Autoscaler::event(const char* kind, store::EventSeverity severity, const std::string& config_id,
                       const std::string& server_id, const std::string& vm_id, const std::string& message) {
  store::EventRecord e;
  e.at_ms = now_ms();
  e.kind = kind;
  e.severity = severity;
  if (const ConfigState* c = config_of(config_id)) e.pool_id = c->config.pool_id;
  e.autoscale_config_id = config_id;
  e.server_id = server_id;
  e.vm_id = vm_id;
  e.message = message;
  const log::Level level = severity == store::EventSeverity::info      ? log::Level::info
                           : severity == store::EventSeverity::warning ? log::Level::warn
                                                                       : log::Level::error;
  // log::write prints whatever the level; the manager's --log-level decides here as everywhere.
  if (log::enabled(level)) {
    log::write(level, kind,
               {{"autoscale_config_id", config_id}, {"server_id", server_id}, {"vm_id", vm_id}, {"message", message}});
  }
  store_.submit(
      [e](store::Store& s) { return s.events().append(e); },
      [kind = std::string(kind)](const Result<int64_t>& written) {
        if (!written.ok()) {
          log::error("autoscaler.event_not_written", {{"kind", kind}, {"error", written.status().to_string()}});
        }
      });
}

}  // namespace corral::autoscaler
