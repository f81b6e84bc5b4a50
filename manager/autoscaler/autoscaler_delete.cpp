// Scale-in and clean-up, one server at a time: drained first (so the broker places nothing more
// there, and a session placed meanwhile stops the delete), then the delete intent, DeleteVm on the
// provider pool, and the row removed as the intent is marked done, in one unit of work; then the
// server's AD computer record, if it has one (autoscaler_records.cpp).
#include <string>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "common/failpoint.h"
#include "common/log.h"
#include "manager/autoscaler/autoscaler.h"
#include "manager/broker/server_events.h"

namespace corral::autoscaler {
namespace {

// Reasons that need the server empty: a session placed since the plan was made stops them.
bool needs_empty(DeleteReason reason) {
  return reason == DeleteReason::scale_in || reason == DeleteReason::outside_schedule ||
         reason == DeleteReason::drained || reason == DeleteReason::used_not_reusable;
}

std::string reason_text(DeleteReason reason) {
  switch (reason) {
    case DeleteReason::provision_timeout: return "its agent did not check in within the provision timeout";
    case DeleteReason::dead_agent: return "its agent has been away past host_dead_expiration";
    case DeleteReason::used_not_reusable: return "a session ended on it and the config is not reusable";
    case DeleteReason::drained: return "it is drained and empty";
    case DeleteReason::outside_schedule: return "it is empty outside the config's schedule";
    case DeleteReason::scale_in: return "it is empty and not needed for the minimum";
  }
  return "unknown";
}

}  // namespace

void Autoscaler::remove_one(ConfigState& c, const PlannedDelete& d) {
  if (actions_.contains(d.server_id)) return;  // its create or delete is still under way
  if (auto retry = delete_retry_at_.find(d.server_id); retry != delete_retry_at_.end()) {
    if (retry->second > now_ms()) return;
    delete_retry_at_.erase(retry);
  }
  const broker::ServerEntry* entry = broker_.server_entry(d.server_id);
  if (entry == nullptr) return;
  const store::ServerRecord& r = entry->record;

  store::IntentRecord intent;
  intent.id = random_uuid();
  intent.kind = store::IntentKind::delete_vm;
  intent.idempotency_key = intent.id;
  intent.provider_config_id = c.config.provider_config_id;
  intent.autoscale_config_id = c.config.id;
  intent.server_id = r.id;
  intent.vm_id = r.vm_id;
  intent.ownership_tags = {{kTagManager, settings_.manager_id}, {kTagConfig, c.config.id}, {kTagServer, r.id}};
  intent.created_at = unix_seconds(clock_.now());
  actions_[r.id] = Action{ActionKind::remove, intent.id, c.config.id};
  if (d.reason == DeleteReason::provision_timeout && c.awaiting.contains(r.id)) {
    event("vm.timed_out", store::EventSeverity::warning, c.config.id, r.id, r.vm_id,
          "server " + r.hostname + " did not check in within " + std::to_string(c.config.provision_timeout_seconds) +
              " s");
    create_failed(c, "server " + r.hostname + " did not check in in time", pv1::ERROR_CLASS_UNSPECIFIED);
  }

  // Runs once the server is drained (at once when it was already).
  auto go = [this, alive = std::weak_ptr<bool>(alive_), intent, reason = d.reason, was_draining = r.draining]() {
    if (alive.expired() || stopped_) return;
    const broker::ServerEntry* now = broker_.server_entry(intent.server_id);
    if (now == nullptr) {
      actions_.erase(intent.server_id);
      return;
    }
    if (now->sessions > 0 && needs_empty(reason)) {
      // A session landed before the drain: the server stays.
      actions_.erase(intent.server_id);
      event("autoscale.delete_skipped", store::EventSeverity::info, intent.autoscale_config_id, intent.server_id,
            intent.vm_id, "server " + now->record.hostname + " took a session before it was drained: it stays");
      if (!was_draining) {
        broker_.set_draining(intent.server_id, false, [](const Result<store::ServerRecord>&) {});
      }
      return;
    }
    // Sessions on a server that is gone for good end with it.
    std::vector<std::string> sessions;
    for (const auto& [agent_session, session_id] : now->by_agent_session) sessions.push_back(session_id);
    for (const std::string& id : sessions) {
      broker_.end(id, store::SessionEndReason::server_deleted, [](const Result<store::SessionEnding>&) {});
    }
    const std::string message = "deleting server " + now->record.hostname + ": " + reason_text(reason);
    log::info("vm.delete_requested", {{"server_id", intent.server_id}, {"vm_id", intent.vm_id}, {"message", message}});
    store_.submit(
        [intent, row = now->record, message, at_ms = now_ms()](store::Store& s) {
          return s.unit_of_work([&](store::Repositories& repos) -> Status {
            if (Status st = repos.intents().append(intent); !st.ok()) return st;
            return broker::record_server_event(repos, row, "vm.delete_requested", message, at_ms);
          });
        },
        [this, alive, intent](const Status& written) {
          if (alive.expired() || stopped_) return;
          if (!written.ok()) {
            actions_.erase(intent.server_id);
            log::error("autoscaler.intent_not_written",
                       {{"server_id", intent.server_id}, {"error", written.to_string()}});
            return;
          }
          failpoint("autoscaler.delete.before_call");
          if (intent.vm_id.empty()) return delete_row(intent.server_id, intent.id, "deleted (it had no VM)");
          delete_vm(intent.server_id, intent.id, intent.provider_config_id, intent.vm_id);
        });
  };
  if (r.draining) return go();
  broker_.set_draining(
      r.id, true,
      [this, alive = std::weak_ptr<bool>(alive_), id = r.id,
       go = std::move(go)](const Result<store::ServerRecord>& drained) {
        if (alive.expired()) return;
        if (!drained.ok()) {
          actions_.erase(id);
          log::error("autoscaler.drain_failed", {{"server_id", id}, {"error", drained.status().to_string()}});
          return;
        }
        go();
      });
}

void Autoscaler::delete_vm(const std::string& server_id, const std::string& intent_id,
                           const std::string& provider_config_id, const std::string& vm_id) {
  vms_.delete_vm(
      provider_config_id, vm_id,
      [this, alive = std::weak_ptr<bool>(alive_), server_id, intent_id, vm_id](Result<pv1::DeleteVmResponse> answer) {
        if (alive.expired() || stopped_) return;
        if (answer.ok() && !answer->has_error()) {
          failpoint("autoscaler.delete.before_record");
          return delete_row(server_id, intent_id, "deleted");
        }
        const std::string why = answer.ok() ? answer->error().message() : answer.status().message();
        const Action* action = actions_.contains(server_id) ? &actions_[server_id] : nullptr;
        const std::string config_id = action != nullptr ? action->config_id : "";
        event("vm.delete_failed", store::EventSeverity::error, config_id, server_id, vm_id,
              "DeleteVm failed: " + why + "; trying again later");
        actions_.erase(server_id);
        delete_retry_at_[server_id] = now_ms() + settings_.failure_backoff_base_ms;
        store_.submit([intent_id, why, at = unix_seconds(clock_.now())](
                          store::Store& s) { return s.intents().mark_done(intent_id, "failed: " + why, at); },
                      [](const Status& st) {
                        if (!st.ok()) log::error("autoscaler.intent_not_closed", {{"error", st.to_string()}});
                      });
      });
}

void Autoscaler::delete_row(const std::string& server_id, const std::string& intent_id, const std::string& outcome) {
  const int64_t at_ms = now_ms();
  broker_.delete_server(
      server_id,
      [this, alive = std::weak_ptr<bool>(alive_), server_id, intent_id, outcome](ServerWritten done) {
        if (alive.expired()) return;
        auto action = actions_.find(server_id);
        const std::string config_id = action == actions_.end() ? "" : action->second.config_id;
        actions_.erase(server_id);
        if (done.ok() && done->refusal == broker::CatalogRefusal::not_found) {
          removed_servers_[server_id] = now_ms();
          remove_record_of(server_id, config_id);
          // Removed meanwhile (by an admin): only the intent is left to close.
          store_.submit([intent_id, outcome, at = unix_seconds(clock_.now())](
                            store::Store& s) { return s.intents().mark_done(intent_id, outcome, at); },
                        [](const Status& st) {
                          if (!st.ok()) log::error("autoscaler.intent_not_closed", {{"error", st.to_string()}});
                        });
          return;
        }
        if (!done.ok() || done->refusal != broker::CatalogRefusal::none) {
          // The VM is gone, the row stays with the intent open: the next pass or start tries again.
          log::error("autoscaler.server_not_removed",
                     {{"server_id", server_id}, {"error", done.ok() ? done->message : done.status().to_string()}});
          delete_retry_at_[server_id] = now_ms() + settings_.failure_backoff_base_ms;
          return;
        }
        removed_servers_[server_id] = now_ms();
        failpoint("autoscaler.delete.after_record");
        remove_record_of(server_id, config_id);  // the VM is gone: its computer record goes too
      },
      [intent_id, outcome, at_ms](store::Repositories& r, const store::ServerRecord& row) -> Status {
        if (Status st = r.intents().mark_done(intent_id, outcome, at_ms / 1000); !st.ok()) return st;
        return broker::record_server_event(r, row, "vm.deleted",
                                           "VM " + (row.vm_id.empty() ? std::string("(none)") : row.vm_id) +
                                               " of server " + row.hostname + " " + outcome,
                                           at_ms);
      });
}

void Autoscaler::drain(const std::string& server_id) {
  const store::ServerRecord* r = broker_.find_server(server_id);
  if (r == nullptr || r->draining || actions_.contains(server_id)) return;
  broker_.set_draining(server_id, true, [server_id](const Result<store::ServerRecord>& done) {
    if (!done.ok())
      log::error("autoscaler.drain_failed", {{"server_id", server_id}, {"error", done.status().to_string()}});
  });
}

}  // namespace corral::autoscaler
