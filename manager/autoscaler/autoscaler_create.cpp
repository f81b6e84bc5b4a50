// Scale-out, one VM at a time: the server row, its join token, the create intent and an event are
// committed together with the startup script rendered inside the same unit of work (a script that
// does not render writes nothing and reaches no provider); then the AD computer record is made
// when the config asks for one (autoscaler_records.cpp), CreateVm runs on the provider pool, and
// its VM is recorded on the row as the intent is marked done, again in one unit of work.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "common/failpoint.h"
#include "common/log.h"
#include "manager/autoscaler/autoscaler.h"
#include "manager/autoscaler/pending_create.h"
#include "manager/autoscaler/startup_script.h"
#include "manager/broker/server_events.h"
#include "manager/directory/hostname_pattern.h"
#include "manager/store/join_token_issue.h"

namespace corral::autoscaler {
namespace {

const char* error_class_name(pv1::ErrorClass c) {
  switch (c) {
    case pv1::ERROR_CLASS_OUT_OF_CAPACITY: return "out of capacity";
    case pv1::ERROR_CLASS_QUOTA: return "quota";
    case pv1::ERROR_CLASS_AUTH: return "auth";
    case pv1::ERROR_CLASS_INVALID_CONFIG: return "invalid config";
    case pv1::ERROR_CLASS_TRANSIENT: return "transient";
    default: return "error";
  }
}

// The cap of maxSimultaneousSessionsPerServer: the most sessions an autoscale config gives a server.
constexpr uint32_t kDockerAgentMaxSessions = 1000;

}  // namespace

void Autoscaler::create_one(ConfigState& c) {
  const store::AutoscaleConfigRecord& cfg = c.config;
  const int64_t now_s = unix_seconds(clock_.now());
  const int64_t at_ms = now_ms();

  auto pattern = manager::directory::HostnamePattern::parse(
      cfg.hostname_pattern.empty() ? manager::directory::kDefaultHostnamePattern : cfg.hostname_pattern);
  if (!pattern.ok()) {
    return create_failed(c, "hostname pattern: " + pattern.status().message(), pv1::ERROR_CLASS_INVALID_CONFIG);
  }
  std::string password;
  if (!cfg.connection_password_sealed.empty()) {
    auto opened = secrets_.open(cfg.connection_password_sealed, store::autoscale_password_aad(cfg.id));
    if (!opened.ok()) {
      return create_failed(c, "the config's connection password does not open: " + opened.status().message(),
                           pv1::ERROR_CLASS_INVALID_CONFIG);
    }
    password = std::move(opened).value();
  }

  const store::PoolRecord* pool = broker_.find_pool(cfg.pool_id);
  const store::PoolType pool_type = pool != nullptr ? pool->type : store::PoolType::server;
  store::ServerRecord server;
  server.id = random_uuid();
  server.pool_id = cfg.pool_id;
  server.hostname = pattern->generate(manager::directory::system_random());
  server.address = server.hostname;
  server.connection_type = cfg.connection_type;
  server.connection_port = cfg.connection_port;
  server.connection_username = cfg.connection_username;
  if (!password.empty())
    server.connection_password_sealed = secrets_.seal(password, store::server_password_aad(server.id));
  server.max_sessions = static_cast<uint32_t>(std::max<int64_t>(cfg.max_sessions_per_server, 1));
  if (pool_type == store::PoolType::docker_agent) {
    // Counted in resources, not sessions; the agent still refuses sessions past its maximum, so
    // that must not be what limits it. Its size is the config's (per field 0 = what it reports).
    server.max_sessions = kDockerAgentMaxSessions;
    server.resource_overrides = cfg.agent_resource_overrides;
  }
  server.origin = store::ServerOrigin::autoscaled;
  server.autoscale_config_id = cfg.id;
  server.created_at = server.updated_at = now_s;

  // The VM's agent enrolls with this token; it is bound to the server and lives as long as the
  // VM may take to check in.
  store::IssuedJoinToken token =
      store::make_join_token(now_s, now_s + cfg.provision_timeout_seconds, settings_.ca_sha256);
  token.record.server_id = server.id;
  token.record.description = "autoscale config " + cfg.name;

  store::IntentRecord intent;
  intent.id = random_uuid();
  intent.kind = store::IntentKind::create_vm;
  intent.idempotency_key = intent.id;
  intent.provider_config_id = cfg.provider_config_id;
  intent.autoscale_config_id = cfg.id;
  intent.server_id = server.id;
  intent.ownership_tags = {{kTagManager, settings_.manager_id}, {kTagConfig, cfg.id}, {kTagServer, server.id}};
  intent.created_at = now_s;

  auto p = std::make_shared<PendingCreate>();
  p->config_id = cfg.id;
  p->server_id = server.id;
  p->intent_id = intent.id;
  p->provider_config_id = cfg.provider_config_id;
  StartupScriptValues& values = p->values;
  values.connection_username = cfg.connection_username;
  values.connection_password = password;
  values.server_id = server.id;
  values.server_hostname = server.hostname;
  values.manager_url = settings_.manager_url;
  values.join_token = token.text;
  values.agent_download_url = agent_download_url(settings_.manager_url);
  values.zone = cfg.deployment_zone;
  p->pool_type = pool_type;
  if (cfg.ad_create_machine_record) {
    // Where the record goes is written with the intent, before anything reaches the directory:
    // a restart finds it there.
    p->ad = AdRecordNote{cfg.ldap_config_id,
                         cfg.ad_computer_container_dn,
                         server.hostname,
                         cfg.ad_recursive_machine_record_cleanup,
                         "",
                         ""};
    intent.payload = encode_ad_note(*p->ad);
  }

  actions_[server.id] = Action{ActionKind::create, intent.id, cfg.id};
  c.pending.insert(server.id);

  pv1::CreateVmRequest& request = p->request;
  request.set_idempotency_key(intent.idempotency_key);
  request.set_hostname(server.hostname);
  request.mutable_tags()->insert(intent.ownership_tags.begin(), intent.ownership_tags.end());
  request.set_zone(cfg.deployment_zone);

  broker_.create_server(
      server,
      [this, alive = std::weak_ptr<bool>(alive_), p](ServerWritten done) {
        if (alive.expired()) return;
        ConfigState* config = config_of(p->config_id);
        if (config != nullptr) config->pending.erase(p->server_id);
        if (!done.ok() || done->refusal != broker::CatalogRefusal::none) {
          actions_.erase(p->server_id);
          if (config == nullptr) return;
          if (!p->failure.empty()) {
            event("autoscale.script_failed", store::EventSeverity::error, p->config_id, "", "", p->failure);
            return create_failed(*config, p->failure, pv1::ERROR_CLASS_INVALID_CONFIG);
          }
          const std::string why = done.ok() ? done->message : done.status().to_string();
          return create_failed(*config, "the server row was not written: " + why, pv1::ERROR_CLASS_TRANSIENT);
        }
        if (p->ad) return create_record(p);
        call_create_vm(p);
      },
      [p, token = std::move(token.record), intent, at_ms, plugin_variables = plugin_variables_](
          store::Repositories& r, const store::ServerRecord& row) -> Status {
        auto provider = r.provider_configs().get(intent.provider_config_id);
        if (!provider.ok()) return provider.status();
        if (!provider->has_value()) {
          p->failure = "provider config " + intent.provider_config_id + " no longer exists";
          return error(ErrorCode::failed_precondition, p->failure);
        }
        p->values.provider_name = (*provider)->name;
        p->template_text = (*provider)->startup_script_template;
        if (plugin_variables) p->plugin_variables = plugin_variables((*provider)->plugin);
        // With an AD record the script is rendered once the record's password exists; a stand-in
        // for it now proves the template renders before anything is written.
        StartupScriptValues trial = p->values;
        if (p->ad) trial.ad_join_credential = trial.domain = "-";
        auto script = render_startup_script(p->template_text, p->pool_type, trial, p->plugin_variables);
        if (!script.ok()) {
          p->failure = "the startup script of provider config " + (*provider)->name +
                       " does not render: " + script.status().message();
          return error(ErrorCode::failed_precondition, p->failure);
        }
        if (!p->ad) p->script = std::move(script).value();
        if (Status st = r.join_tokens().insert(token); !st.ok()) return st;
        if (Status st = r.intents().append(intent); !st.ok()) return st;
        return broker::record_server_event(
            r, row, "vm.requested",
            "VM requested for server " + row.hostname + " from provider config " + (*provider)->name, at_ms);
      });
}

void Autoscaler::call_create_vm(const std::shared_ptr<PendingCreate>& p) {
  p->request.set_startup_script(std::move(p->script));
  p->script.clear();
  failpoint("autoscaler.create.before_call");
  vms_.create_vm(p->provider_config_id, std::move(p->request),
                 [this, alive = std::weak_ptr<bool>(alive_), config_id = p->config_id, server_id = p->server_id,
                  intent_id = p->intent_id](Result<pv1::CreateVmResponse> answer) {
                   if (alive.expired() || stopped_) return;
                   create_called(config_id, server_id, intent_id, std::move(answer));
                 });
}

void Autoscaler::create_called(const std::string& config_id, const std::string& server_id, const std::string& intent_id,
                               Result<pv1::CreateVmResponse> answer) {
  ConfigState* c = config_of(config_id);
  if (!answer.ok()) {
    // The plugin did not answer: the VM may or may not exist. Find out as after a crash.
    event("vm.create_failed", store::EventSeverity::error, config_id, server_id, "",
          "CreateVm did not answer (" + answer.status().message() + "); looking for the VM by its tags");
    if (c != nullptr) create_failed(*c, answer.status().message(), pv1::ERROR_CLASS_TRANSIENT);
    store::IntentRecord intent;
    intent.id = intent_id;
    intent.kind = store::IntentKind::create_vm;
    intent.autoscale_config_id = config_id;
    intent.server_id = server_id;
    intent.provider_config_id = c != nullptr ? c->config.provider_config_id : "";
    return resolve(intent, nullptr);
  }
  if (answer->has_error()) {
    const pv1::Error& e = answer->error();
    std::string why = std::string(error_class_name(e.class_())) + ": " + e.message();
    if (!e.field_path().empty()) why += " (at " + e.field_path() + ")";
    event("vm.create_failed", store::EventSeverity::error, config_id, server_id, "", "CreateVm failed: " + why);
    if (c != nullptr) create_failed(*c, why, e.class_());
    // The provider left nothing behind (CreateVmResponse): the row goes with the intent.
    return abandon(server_id, intent_id, "failed: " + why);
  }
  failpoint("autoscaler.create.before_record");
  record_vm(server_id, intent_id, answer->vm(), "created");
}

void Autoscaler::record_vm(const std::string& server_id, const std::string& intent_id, const pv1::Vm& vm,
                           const char* outcome) {
  const store::ServerRecord* known = broker_.find_server(server_id);
  if (known == nullptr) {
    // Deleted meanwhile: the VM is an orphan; the sweep removes it.
    actions_.erase(server_id);
    store_.submit(
        [intent_id, vm_id = vm.id(), at = unix_seconds(clock_.now())](store::Store& s) -> Status {
          if (Status st = s.intents().set_vm_id(intent_id, vm_id); !st.ok()) return st;
          return s.intents().mark_done(intent_id, "server deleted before its VM was recorded", at);
        },
        [](const Status& st) {
          if (!st.ok()) log::error("autoscaler.intent_not_closed", {{"error", st.to_string()}});
        });
    return;
  }
  store::ServerRecord server = *known;
  server.vm_id = vm.id();
  if (vm.addresses_size() > 0 && !vm.addresses(0).empty()) server.address = vm.addresses(0);
  const uint64_t based_on = server.revision;
  broker_.update_server(
      server, based_on,
      [this, alive = std::weak_ptr<bool>(alive_), server_id, intent_id, vm, outcome](ServerWritten done) {
        if (alive.expired()) return;
        if (done.ok() && done->refusal == broker::CatalogRefusal::revision_conflict) {
          return record_vm(server_id, intent_id, vm, outcome);  // changed meanwhile: again on the new row
        }
        actions_.erase(server_id);
        if (!done.ok() || done->refusal != broker::CatalogRefusal::none) {
          // The intent stays open: the next start resolves it against ListVms.
          log::error("autoscaler.vm_not_recorded", {{"server_id", server_id},
                                                    {"vm_id", vm.id()},
                                                    {"error", done.ok() ? done->message : done.status().to_string()}});
          return;
        }
        failpoint("autoscaler.create.after_record");
        mark_dirty(done->record.autoscale_config_id);
      },
      [intent_id, vm_id = vm.id(), outcome, at_ms = now_ms()](store::Repositories& r,
                                                              const store::ServerRecord& row) -> Status {
        if (Status st = r.intents().set_vm_id(intent_id, vm_id); !st.ok()) return st;
        if (Status st = r.intents().mark_done(intent_id, outcome, at_ms / 1000); !st.ok()) return st;
        return broker::record_server_event(r, row, "vm.created",
                                           "VM " + vm_id + " " + outcome + " for server " + row.hostname, at_ms);
      });
}

void Autoscaler::abandon(const std::string& server_id, const std::string& intent_id, const std::string& outcome) {
  const int64_t at_s = unix_seconds(clock_.now());
  auto close = [intent_id, outcome, at_s](store::Repositories& r, const store::ServerRecord&) -> Status {
    return r.intents().mark_done(intent_id, outcome, at_s);
  };
  auto action = actions_.find(server_id);
  const std::string config_id = action == actions_.end() ? "" : action->second.config_id;
  if (broker_.find_server(server_id) == nullptr) {
    actions_.erase(server_id);
    store_.submit([close](store::Store& s) { return close(s, store::ServerRecord{}); },
                  [](const Status& st) {
                    if (!st.ok()) log::error("autoscaler.intent_not_closed", {{"error", st.to_string()}});
                  });
    remove_record_of(server_id, config_id);
    return;
  }
  broker_.delete_server(
      server_id,
      [this, alive = std::weak_ptr<bool>(alive_), server_id, config_id](ServerWritten done) {
        if (alive.expired()) return;
        actions_.erase(server_id);
        if (!done.ok() || done->refusal != broker::CatalogRefusal::none) {
          log::error("autoscaler.server_not_removed",
                     {{"server_id", server_id}, {"error", done.ok() ? done->message : done.status().to_string()}});
          return;
        }
        // The VM was never made: its computer record (if one was) goes with the row.
        remove_record_of(server_id, config_id);
      },
      close);
}

void Autoscaler::create_failed(ConfigState& c, const std::string& why, pv1::ErrorClass error_class) {
  ++c.failures;
  c.last_failure_ms = now_ms();
  const int shift = static_cast<int>(std::min<uint32_t>(c.failures - 1, 20));
  const int64_t wait = std::min(settings_.failure_backoff_base_ms << shift, settings_.failure_backoff_max_ms);
  c.backoff_until_ms = now_ms() + wait;
  const bool capacity = error_class == pv1::ERROR_CLASS_OUT_OF_CAPACITY || error_class == pv1::ERROR_CLASS_QUOTA;
  c.capacity_failed = capacity;
  event("autoscale.backoff_entered", store::EventSeverity::warning, c.config.id, "", "",
        std::to_string(c.failures) + (c.failures == 1 ? " failure" : " failures in a row") + ": no VM for " +
            std::to_string((wait + 999) / 1000) + " s (" + why + ")");
  // The pool's other configs may take over the minimum now; this one looks again on the tick
  // after its backoff.
  mark_pool_dirty(c.config.pool_id);
}

}  // namespace corral::autoscaler
