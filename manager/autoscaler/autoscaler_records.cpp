// The AD computer records of autoscaled servers (docs/active-directory.md, "Autoscaled servers"):
// made after the create intent is committed and before the VM, on the directory worker pool; the
// intent's note gets the record's DN and, sealed, its join password before CreateVm is called, so
// a restart knows what exists. A record goes when its server goes (deleted VM, VM never made); the
// join password is dropped from the note once the server checks in. The sweep removes records
// with this manager's mark that no server has, after the orphan grace period.
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "common/log.h"
#include "common/text.h"
#include "manager/autoscaler/autoscaler.h"
#include "manager/autoscaler/pending_create.h"

namespace corral::autoscaler {
namespace {

RecordPlace place_of(const AdRecordNote& note) {
  return {note.ldap_config_id, note.container_dn, note.recursive_delete};
}

// Why a directory call failed, from either kind of failure; names the step when the directory
// was reached. Never holds a password (neither kind carries one).
std::string failure_of(const Result<RecordAnswer>& answer) {
  if (!answer.ok()) return answer.status().message();
  return answer->status.message();
}

// The create intent of a server, with its note: the note says which record it has.
struct NotedIntent {
  std::string intent_id;
  AdRecordNote note;
};

Result<std::optional<NotedIntent>> noted_intent(store::Store& s, const std::string& server_id) {
  auto intents = s.intents().list_for_server(server_id);
  if (!intents.ok()) return intents.status();
  for (const store::IntentRecord& intent : *intents) {
    if (intent.kind != store::IntentKind::create_vm) continue;
    if (auto note = decode_ad_note(intent.payload)) return std::optional<NotedIntent>(NotedIntent{intent.id, *note});
  }
  return std::optional<NotedIntent>();
}

}  // namespace

void Autoscaler::create_record(const std::shared_ptr<PendingCreate>& p) {
  records_.ensure_record(
      place_of(*p->ad), p->ad->hostname, [this, alive = std::weak_ptr<bool>(alive_), p](Result<RecordAnswer> answer) {
        if (alive.expired() || stopped_) return;
        AdRecordNote& note = *p->ad;
        if (!answer.ok() || !answer->status.ok()) {
          const std::string why = failure_of(answer);
          const std::string step =
              answer.ok() ? manager::directory::directory_step_name(answer->status.step()) : "config";
          // A name someone else's record has is no failure of the directory: the next create
          // draws another name at once (the pass after the abandoned row goes), unless the
          // pattern keeps drawing taken names.
          const bool taken = answer.ok() && answer->status.name_taken();
          ConfigState* c = config_of(p->config_id);
          const bool retry = taken && c != nullptr && ++c->name_collisions < kNameCollisionsBeforeBackoff;
          event("ad.record_failed", store::EventSeverity::error, p->config_id, p->server_id, "",
                "computer record " + note.hostname + " in " + note.container_dn + " not made (step " + step +
                    "): " + why + "; no VM was requested" + (retry ? "; the next VM gets another name" : ""));
          if (c != nullptr && !retry) {
            if (taken) {
              c->name_collisions = 0;
              create_failed(*c,
                            std::to_string(kNameCollisionsBeforeBackoff) +
                                " hostnames in a row are taken in the directory: " + why,
                            pv1::ERROR_CLASS_INVALID_CONFIG);
            } else {
              create_failed(*c, "AD computer record: " + why, pv1::ERROR_CLASS_TRANSIENT);
            }
          }
          return abandon(p->server_id, p->intent_id, "failed: AD computer record: " + why);
        }
        if (ConfigState* c = config_of(p->config_id)) c->name_collisions = 0;
        note.dn = answer->dn;
        note.password_sealed = secrets_.seal(answer->password, ad_join_password_aad(p->intent_id));
        p->values.ad_join_credential = std::move(answer->password);
        p->values.domain = answer->domain;
        event("ad.record_created", store::EventSeverity::info, p->config_id, p->server_id, "",
              "computer record " + note.dn + " made for server " + note.hostname);
        auto script = render_startup_script(p->template_text, p->pool_type, p->values, p->plugin_variables);
        if (!script.ok()) {
          // Rendered with a stand-in before anything was written, so only an empty domain gets here.
          const std::string why = "the startup script does not render: " + script.status().message();
          event("autoscale.script_failed", store::EventSeverity::error, p->config_id, p->server_id, "", why);
          if (ConfigState* c = config_of(p->config_id)) create_failed(*c, why, pv1::ERROR_CLASS_INVALID_CONFIG);
          return abandon(p->server_id, p->intent_id, "failed: " + why);
        }
        p->script = std::move(script).value();
        // The DN (so the record is this manager's to delete) is durable before any VM can use it.
        store_.submit(
            [intent_id = p->intent_id, payload = encode_ad_note(note)](store::Store& s) {
              return s.intents().set_payload(intent_id, payload);
            },
            [this, alive, p](const Status& noted) {
              if (alive.expired() || stopped_) return;
              if (!noted.ok()) {
                log::error("autoscaler.record_not_noted", {{"server_id", p->server_id}, {"error", noted.to_string()}});
                if (ConfigState* c = config_of(p->config_id)) {
                  create_failed(*c, "the record's note was not written", pv1::ERROR_CLASS_TRANSIENT);
                }
                return abandon(p->server_id, p->intent_id, "failed: the AD record's note was not written");
              }
              call_create_vm(p);
            });
      });
}

void Autoscaler::remove_record_of(const std::string& server_id, const std::string& config_id) {
  store_.submit([server_id](store::Store& s) { return noted_intent(s, server_id); },
                [this, alive = std::weak_ptr<bool>(alive_), server_id,
                 config_id](Result<std::optional<NotedIntent>> noted) mutable {
                  if (alive.expired() || stopped_) return;
                  if (!noted.ok()) {
                    log::error("autoscaler.record_note_unread",
                               {{"server_id", server_id}, {"error", noted.status().to_string()}});
                    return;  // the sweep finds the record
                  }
                  // No note, or no DN: no record of this manager's (a failed make leaves someone else's alone).
                  if (!noted->has_value() || (*noted)->note.dn.empty()) return;
                  NotedIntent found = std::move(**noted);
                  records_.remove_record(
                      place_of(found.note), found.note.hostname,
                      [this, alive, server_id, config_id, found](Result<RecordAnswer> answer) {
                        if (alive.expired() || stopped_) return;
                        if (!answer.ok() || !answer->status.ok()) {
                          event("ad.record_delete_failed", store::EventSeverity::warning, config_id, server_id, "",
                                "computer record " + found.note.dn + " not deleted: " + failure_of(answer) +
                                    "; the orphan record sweep tries again");
                          return;
                        }
                        event("ad.record_deleted", store::EventSeverity::info, config_id, server_id, "",
                              "computer record " + found.note.dn + " deleted with its server");
                        AdRecordNote gone = found.note;
                        gone.password_sealed.clear();
                        store_.submit([intent_id = found.intent_id, payload = encode_ad_note(gone)](
                                          store::Store& s) { return s.intents().set_payload(intent_id, payload); },
                                      [](const Status& st) {
                                        if (!st.ok())
                                          log::error("autoscaler.record_note_not_written", {{"error", st.to_string()}});
                                      });
                      });
                });
}

void Autoscaler::forget_join_password(const std::string& server_id) {
  store_.submit(
      [server_id](store::Store& s) -> Status {
        auto noted = noted_intent(s, server_id);
        if (!noted.ok()) return noted.status();
        if (!noted->has_value() || (*noted)->note.password_sealed.empty()) return {};
        AdRecordNote note = (*noted)->note;
        note.password_sealed.clear();
        return s.intents().set_payload((*noted)->intent_id, encode_ad_note(note));
      },
      [server_id](const Status& st) {
        if (!st.ok())
          log::error("autoscaler.join_password_kept", {{"server_id", server_id}, {"error", st.to_string()}});
      });
}

void Autoscaler::sweep_orphan_records() {
  std::map<std::string, RecordPlace> places;
  std::map<std::string, std::string> config_of_place;  // for the events' pool
  for (const auto& [id, c] : configs_) {
    if (!c.config.ad_create_machine_record || c.config.ldap_config_id.empty()) continue;
    const std::string key = c.config.ldap_config_id + "\n" + ascii_lower(c.config.ad_computer_container_dn);
    places.try_emplace(key, RecordPlace{c.config.ldap_config_id, c.config.ad_computer_container_dn,
                                        c.config.ad_recursive_machine_record_cleanup});
    config_of_place.try_emplace(key, id);
  }
  for (auto it = records_seen_.begin(); it != records_seen_.end();) {
    it = places.contains(it->first) ? std::next(it) : records_seen_.erase(it);
  }
  for (const auto& entry : places) {
    const std::string& key = entry.first;  // named: clang 14 does not capture structured bindings
    const RecordPlace& place = entry.second;
    records_.list_records(place, [this, alive = std::weak_ptr<bool>(alive_), key, place,
                                  config_id = config_of_place[key]](Result<RecordAnswer> listed) {
      if (alive.expired() || stopped_) return;
      if (!listed.ok() || !listed->status.ok()) {
        log::warn("autoscaler.record_sweep_failed", {{"ldap_config_id", place.ldap_config_id},
                                                     {"container", place.container_dn},
                                                     {"error", failure_of(listed)}});
        return;
      }
      // Read now, on the core: a record made since the listing already has its server row.
      std::set<std::string> known;
      broker_.for_each_server([&known](const broker::ServerEntry& s) { known.insert(ascii_lower(s.record.hostname)); });
      RecordSweep sweep =
          sweep_records(listed->hostnames, known, records_seen_[key], now_ms(), settings_.orphan_grace_ms);
      for (const std::string& hostname : sweep.found) {
        event("ad.orphan_record_found", store::EventSeverity::warning, config_id, "", "",
              "computer record " + hostname + " in " + place.container_dn +
                  " carries this manager's mark but no server has it; it is deleted in " +
                  std::to_string(settings_.orphan_grace_ms / 1000) + " s unless one claims it");
      }
      for (const std::string& hostname : sweep.remove) {
        records_.remove_record(place, hostname, [this, alive, key, config_id, hostname](Result<RecordAnswer> removed) {
          if (alive.expired() || stopped_) return;
          if (!removed.ok() || !removed->status.ok()) {
            log::warn("autoscaler.orphan_record_not_removed", {{"hostname", hostname}, {"error", failure_of(removed)}});
            return;
          }
          records_seen_[key].erase(hostname);
          event("ad.orphan_record_removed", store::EventSeverity::warning, config_id, "", "",
                "orphan computer record " + removed->dn + " deleted");
        });
      }
    });
  }
}

}  // namespace corral::autoscaler
