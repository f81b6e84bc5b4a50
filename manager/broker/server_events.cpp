#include "manager/broker/server_events.h"

#include <string>
#include <vector>

namespace corral::broker {
namespace {

using store::ServerRecord;

std::string plural(uint32_t n, const char* what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); }

}  // namespace

Status record_server_event(store::Repositories& r, const ServerRecord& s, const char* kind, const std::string& message,
                           int64_t at_ms) {
  store::EventRecord e;
  e.at_ms = at_ms;
  e.kind = kind;
  e.pool_id = s.pool_id;
  e.autoscale_config_id = s.autoscale_config_id;
  e.server_id = s.id;
  e.vm_id = s.vm_id;
  e.message = message;
  auto id = r.events().append(e);
  return id.ok() ? Status{} : id.status();
}

Status record_server_created(store::Repositories& r, const ServerRecord& s, int64_t at_ms) {
  return record_server_event(r, s, "server.created",
                             "server " + s.hostname + " created (" + store::server_origin_name(s.origin) +
                                 ", at most " + plural(s.max_sessions, "session") + (s.enabled ? "" : ", disabled") +
                                 ")",
                             at_ms);
}

Status record_server_changed(store::Repositories& r, const ServerRecord& before, const ServerRecord& after,
                             int64_t at_ms) {
  if (before.draining != after.draining) {
    Status st = after.draining
                    ? record_server_event(r, after, "server.draining",
                                          "server " + after.hostname + " is draining: it takes no new sessions", at_ms)
                    : record_server_event(r, after, "server.undrained",
                                          "server " + after.hostname + " takes new sessions again", at_ms);
    if (!st.ok()) return st;
  }
  std::vector<std::string> changes;
  if (before.max_sessions != after.max_sessions) {
    changes.push_back("max sessions " + std::to_string(before.max_sessions) + " -> " +
                      std::to_string(after.max_sessions));
  }
  if (before.enabled != after.enabled) changes.emplace_back(after.enabled ? "enabled" : "disabled");
  if (before.labels != after.labels) changes.emplace_back("labels");
  if (before.agent_id != after.agent_id) {
    changes.push_back(after.agent_id.empty() ? "no backing agent" : "backing agent " + after.agent_id);
  }
  if (before.vm_id != after.vm_id) changes.push_back(after.vm_id.empty() ? "no VM" : "VM " + after.vm_id);
  if (before.address != after.address) changes.push_back("address " + after.address);
  if (before.connection_port != after.connection_port || before.connection_type != after.connection_type ||
      before.connection_username != after.connection_username ||
      before.connection_password_sealed != after.connection_password_sealed) {
    changes.emplace_back("connection settings");
  }
  if (before.hostname != after.hostname) changes.push_back("hostname " + before.hostname + " -> " + after.hostname);
  if (before.assigned_users != after.assigned_users) changes.emplace_back("assigned users");
  if (changes.empty()) return {};
  std::string message = "server " + after.hostname + " updated: ";
  for (size_t i = 0; i < changes.size(); ++i) message += (i == 0 ? "" : ", ") + changes[i];
  return record_server_event(r, after, "server.updated", message, at_ms);
}

Status record_server_deleted(store::Repositories& r, const ServerRecord& s, int64_t at_ms) {
  return record_server_event(r, s, "server.deleted", "server " + s.hostname + " deleted", at_ms);
}

}  // namespace corral::broker
