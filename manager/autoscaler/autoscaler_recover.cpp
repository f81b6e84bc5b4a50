// After a crash: every intent left unfinished is resolved against the provider before the first
// pass. A create whose VM exists (found by its ownership tags) is adopted; one whose VM does not is
// rolled back with its server row; a delete is carried out again (deleting is idempotent). And
// the orphan sweep: VMs with this manager's tags that no server knows are deleted after a grace
// period. VMs without the tags are never listed, so never touched.
#include <map>
#include <set>
#include <string>
#include <utility>

#include "common/log.h"
#include "manager/autoscaler/autoscaler.h"

namespace corral::autoscaler {

void Autoscaler::recover() {
  std::vector<store::IntentRecord> unfinished = std::move(unfinished_);
  unfinished_.clear();
  if (unfinished.empty()) {
    recovered_one(std::make_shared<size_t>(1));
    return;
  }
  log::info("autoscaler.recovering", {{"unfinished_intents", unfinished.size()}});
  auto left = std::make_shared<size_t>(unfinished.size());
  for (const store::IntentRecord& intent : unfinished) resolve(intent, left);
}

void Autoscaler::recovered_one(const std::shared_ptr<size_t>& left) {
  if (!left || --*left > 0) return;
  recovered_ = true;
  log::info("autoscaler.started", {{"configs", configs_.size()}});
  for (auto& [id, c] : configs_) mark_dirty(id);
}

void Autoscaler::resolve(const store::IntentRecord& intent, const std::shared_ptr<size_t>& left) {
  const std::string& server_id = intent.server_id;
  if (intent.kind == store::IntentKind::delete_vm) {
    event("vm.delete_resumed", store::EventSeverity::info, intent.autoscale_config_id, server_id, intent.vm_id,
          "resuming the deletion of VM " + intent.vm_id + " left unfinished by a restart");
    actions_[server_id] = Action{ActionKind::remove, intent.id, intent.autoscale_config_id};
    if (intent.vm_id.empty()) {
      delete_row(server_id, intent.id, "deleted (it had no VM)");
    } else {
      delete_vm(server_id, intent.id, intent.provider_config_id, intent.vm_id);
    }
    return recovered_one(left);
  }
  actions_[server_id] = Action{ActionKind::create, intent.id, intent.autoscale_config_id};
  vms_.list_vms(intent.provider_config_id, {{kTagManager, settings_.manager_id}, {kTagServer, server_id}},
                [this, alive = std::weak_ptr<bool>(alive_), intent, left](Result<pv1::ListVmsResponse> listed) mutable {
                  if (alive.expired() || stopped_) return;
                  const std::string& id = intent.server_id;
                  if (!listed.ok() || listed->has_error()) {
                    // Left to the provision timeout (which deletes the row) and the orphan sweep (the VM).
                    const std::string why = listed.ok() ? listed->error().message() : listed.status().message();
                    event("vm.create_unresolved", store::EventSeverity::warning, intent.autoscale_config_id, id, "",
                          "cannot tell whether the VM of an interrupted create exists (ListVms: " + why +
                              "); the provision timeout and the orphan sweep will clean up");
                    actions_.erase(id);
                    return recovered_one(left);
                  }
                  const pv1::Vm* found = nullptr;
                  for (const pv1::Vm& vm : listed->vms()) {
                    if (vm.state() != pv1::VM_STATE_GONE) found = &vm;
                  }
                  if (found != nullptr) {
                    event("vm.adopted", store::EventSeverity::info, intent.autoscale_config_id, id, found->id(),
                          "an interrupted create had made VM " + found->id() + ": recorded on its server");
                    record_vm(id, intent.id, *found, "adopted after a restart");
                  } else {
                    event("vm.create_abandoned", store::EventSeverity::info, intent.autoscale_config_id, id, "",
                          "an interrupted create made no VM: its server row is removed");
                    abandon(id, intent.id, "abandoned: no VM was created");
                  }
                  recovered_one(left);
                });
}

void Autoscaler::sweep_orphans() {
  sweep_orphan_records();
  // A provider call is answered within minutes or not at all: an hour covers any listing in flight.
  const int64_t forget_before = now_ms() - int64_t{60 * 60 * 1000};
  std::erase_if(removed_servers_, [forget_before](const auto& removed) { return removed.second < forget_before; });
  std::set<std::string> providers;
  for (const auto& [id, c] : configs_) providers.insert(c.config.provider_config_id);
  std::erase_if(orphans_seen_, [&providers](const auto& seen) { return !providers.contains(seen.first); });
  for (const std::string& provider_config_id : providers) {
    vms_.list_vms(
        provider_config_id, {{kTagManager, settings_.manager_id}},
        [this, alive = std::weak_ptr<bool>(alive_), provider_config_id](Result<pv1::ListVmsResponse> listed) {
          if (alive.expired() || stopped_) return;
          if (!listed.ok() || listed->has_error()) {
            log::warn("autoscaler.orphan_sweep_failed",
                      {{"provider_config_id", provider_config_id},
                       {"error", listed.ok() ? listed->error().message() : listed.status().to_string()}});
            return;
          }
          const int64_t now = now_ms();
          std::map<std::string, int64_t>& seen_before = orphans_seen_[provider_config_id];
          std::map<std::string, int64_t> still;  // what seen_before becomes: the VMs unknown in this listing
          for (const pv1::Vm& vm : listed->vms()) {
            if (vm.state() == pv1::VM_STATE_GONE || vm.state() == pv1::VM_STATE_DELETING) continue;
            auto tag = vm.tags().find(kTagServer);
            const std::string server_id = tag == vm.tags().end() ? "" : tag->second;
            const broker::ServerEntry* server = server_id.empty() ? nullptr : broker_.server_entry(server_id);
            const bool known = actions_.contains(server_id) || removed_servers_.contains(server_id) ||
                               (server != nullptr && (server->record.vm_id.empty() || server->record.vm_id == vm.id()));
            if (known) continue;
            auto config_tag = vm.tags().find(kTagConfig);
            const std::string config_id = config_tag == vm.tags().end() ? "" : config_tag->second;
            auto before = seen_before.find(vm.id());
            const int64_t first_seen = before == seen_before.end() ? now : before->second;
            still.emplace(vm.id(), first_seen);
            if (before == seen_before.end()) {
              event("vm.orphan_found", store::EventSeverity::warning, config_id, server_id, vm.id(),
                    "VM " + vm.id() + " carries this manager's tags but no server has it; it is deleted in " +
                        std::to_string(settings_.orphan_grace_ms / 1000) + " s unless one claims it");
            }
            if (now - first_seen < settings_.orphan_grace_ms) continue;
            vms_.delete_vm(provider_config_id, vm.id(),
                           [this, alive, provider_config_id, config_id, server_id,
                            vm_id = vm.id()](Result<pv1::DeleteVmResponse> done) {
                             if (alive.expired() || stopped_) return;
                             if (!done.ok() || done->has_error()) {
                               log::warn("autoscaler.orphan_not_removed",
                                         {{"vm_id", vm_id},
                                          {"error", done.ok() ? done->error().message() : done.status().to_string()}});
                               return;
                             }
                             orphans_seen_[provider_config_id].erase(vm_id);
                             event("vm.orphan_removed", store::EventSeverity::warning, config_id, server_id, vm_id,
                                   "orphan VM " + vm_id + " deleted");
                           });
          }
          seen_before = std::move(still);
        });
  }
}

}  // namespace corral::autoscaler
