#include "cli/broker_format.h"

#include <google/protobuf/util/time_util.h>

#include "cli/broker_api.h"
#include "cli/broker_flags.h"
#include "cli/time_format.h"

namespace corral::cli {
namespace {

using nlohmann::json;
using KeyValues = std::vector<std::pair<std::string, std::string>>;

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return or_dash(out);
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

google::protobuf::Timestamp timestamp(const json& object, const std::string& key) {
  google::protobuf::Timestamp t;
  if (!google::protobuf::util::TimeUtil::FromString(str(object, key), &t)) t.Clear();
  return t;
}

std::string when(const json& object, const std::string& key, TimePoint now) {
  return absolute_and_relative(timestamp(object, key), now);
}

uint64_t default_port(const std::string& connection_type) {
  if (connection_type == "CONNECTION_TYPE_SSH") return 22;
  if (connection_type == "CONNECTION_TYPE_VNC") return 5900;
  return 3389;  // RDP, and the manager's default type
}

std::string rd_gateway(const json& pool) {
  auto it = pool.find("rdGateway");
  if (it == pool.end() || !it->is_object() || str(*it, "hostname").empty()) return "-";
  uint64_t port = num(*it, "port");
  std::string host = str(*it, "hostname");
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return host + ":" + std::to_string(port ? port : 443);
}

std::string server_state(const json& server) {
  std::string state = flag(server, "enabled") ? "enabled" : "disabled";
  if (flag(server, "draining")) state += ", draining";
  return state;
}

// "1.5 cores, 2 GiB, 1 gpu"; "-" when nothing is set.
std::string resources(const json& object, const std::string& key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_object()) return "-";
  std::vector<std::string> parts;
  if (uint64_t milli = num(*it, "coresMilli")) {
    std::string cores = std::to_string(milli / 1000);
    if (milli % 1000) {
      std::string frac = std::to_string(1000 + milli % 1000).substr(1);
      while (frac.back() == '0') frac.pop_back();
      cores += "." + frac;
    }
    parts.push_back(cores + (milli == 1000 ? " core" : " cores"));
  }
  if (uint64_t bytes = num(*it, "memoryBytes")) {
    static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    size_t unit = 0;
    while (unit + 1 < std::size(kUnits) && bytes % 1024 == 0 && bytes >= 1024) {
      bytes /= 1024;
      ++unit;
    }
    parts.push_back(std::to_string(bytes) + " " + kUnits[unit]);
  }
  if (uint64_t gpus = num(*it, "gpus")) parts.push_back(std::to_string(gpus) + (gpus == 1 ? " gpu" : " gpus"));
  return joined(parts);
}

std::string session_state(const json& session) {
  std::string state = short_name("SESSION_STATE_", str(session, "state"));
  std::string reason = str(session, "endReason");
  if (!reason.empty() && reason != "SESSION_END_REASON_UNSPECIFIED") {
    state += " (" + short_name("SESSION_END_REASON_", reason) + ")";
  }
  return state;
}

// The time of the session's latest transition.
std::string session_since(const json& session, TimePoint now) {
  for (const char* key : {"endedAt", "activatedAt", "reservedAt"}) {
    if (!str(session, key).empty()) return relative_time(timestamp(session, key), now);
  }
  return "-";
}

}  // namespace

std::string host_port(const std::string& address, uint64_t port, const std::string& connection_type) {
  std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
  return host + ":" + std::to_string(port ? port : default_port(connection_type));
}

Row pool_table_header() { return {"NAME", "TYPE", "LABELS", "RD GATEWAY", "ID"}; }

Row pool_row(const json& pool) {
  return {or_dash(str(pool, "name")), short_name("POOL_TYPE_", str(pool, "type")), joined(strings(pool, "labels")),
          rd_gateway(pool), or_dash(str(pool, "id"))};
}

std::string format_pool(const json& pool, TimePoint now) {
  return format_key_values({{"id", or_dash(str(pool, "id"))},
                            {"name", or_dash(str(pool, "name"))},
                            {"type", short_name("POOL_TYPE_", str(pool, "type"))},
                            {"labels", joined(strings(pool, "labels"))},
                            {"server assignment", yes_no(flag(pool, "serverAssignment"))},
                            {"rd gateway", rd_gateway(pool)},
                            {"created", when(pool, "createdAt", now)},
                            {"updated", when(pool, "updatedAt", now)},
                            {"revision", std::to_string(num(pool, "revision"))}});
}

Row server_table_header() { return {"HOSTNAME", "CONNECT TO", "TYPE", "MAX", "STATE", "AGENT", "ID"}; }

Row server_row(const json& server) {
  std::string type = str(server, "connectionType");
  return {or_dash(str(server, "hostname")),
          host_port(str(server, "address"), num(server, "connectionPort"), type),
          short_name("CONNECTION_TYPE_", type.empty() ? "CONNECTION_TYPE_RDP" : type),
          std::to_string(num(server, "maxSimultaneousSessionsPerServer")),
          server_state(server),
          or_dash(str(server, "agentId")),
          or_dash(str(server, "id"))};
}

std::string format_server(const json& server, TimePoint now) {
  std::string type = str(server, "connectionType");
  KeyValues kv = {
      {"id", or_dash(str(server, "id"))},
      {"hostname", or_dash(str(server, "hostname"))},
      {"pool id", or_dash(str(server, "poolId"))},
      {"connect to", host_port(str(server, "address"), num(server, "connectionPort"), type)},
      {"connection", short_name("CONNECTION_TYPE_", type.empty() ? "CONNECTION_TYPE_RDP" : type)},
      {"username", or_dash(str(server, "connectionUsername"))},
      // The manager shows "[redacted]" when one is stored, never the password.
      {"password", server.contains("connectionPassword") ? "stored" : "none"},
      {"max sessions", std::to_string(num(server, "maxSimultaneousSessionsPerServer"))},
      {"labels", joined(strings(server, "labels"))},
      {"state", server_state(server)},
      {"origin", short_name("SERVER_ORIGIN_", str(server, "origin"))},
      {"agent", or_dash(str(server, "agentId"))},
  };
  auto users = strings(server, "assignedUsers");
  if (!users.empty()) kv.emplace_back("assigned users", joined(users));
  if (!str(server, "autoscaleConfigId").empty()) kv.emplace_back("autoscale config", str(server, "autoscaleConfigId"));
  if (!str(server, "vmId").empty()) kv.emplace_back("vm", str(server, "vmId"));
  std::string overrides = resources(server, "resourceOverrides");
  if (overrides != "-") kv.emplace_back("resource overrides", overrides);
  kv.emplace_back("created", when(server, "createdAt", now));
  kv.emplace_back("updated", when(server, "updatedAt", now));
  kv.emplace_back("revision", std::to_string(num(server, "revision")));
  return format_key_values(kv);
}

Row workspace_table_header() { return {"NAME", "POOL", "INCLUDE", "EXCLUDE", "STATE", "PER SESSION", "ID"}; }

Row workspace_row(const json& workspace) {
  return {or_dash(str(workspace, "name")),
          or_dash(str(workspace, "poolId")),
          joined(strings(workspace, "includeLabels")),
          joined(strings(workspace, "excludeLabels")),
          flag(workspace, "enabled") ? "enabled" : "disabled",
          resources(workspace, "sessionResources"),
          or_dash(str(workspace, "id"))};
}

std::string format_workspace(const json& workspace, TimePoint now) {
  return format_key_values({{"id", or_dash(str(workspace, "id"))},
                            {"name", or_dash(str(workspace, "name"))},
                            {"pool id", or_dash(str(workspace, "poolId"))},
                            {"include labels", joined(strings(workspace, "includeLabels"))},
                            {"exclude labels", joined(strings(workspace, "excludeLabels"))},
                            {"allowed groups", joined(strings(workspace, "allowedGroups"))},
                            {"state", flag(workspace, "enabled") ? "enabled" : "disabled"},
                            {"per session", resources(workspace, "sessionResources")},
                            {"created", when(workspace, "createdAt", now)},
                            {"updated", when(workspace, "updatedAt", now)},
                            {"revision", std::to_string(num(workspace, "revision"))}});
}

Row session_table_header() { return {"ID", "USER", "STATE", "WORKSPACE", "SERVER", "SINCE"}; }

Row session_row(const json& session, TimePoint now) {
  return {or_dash(str(session, "id")),          or_dash(str(session, "user")),     session_state(session),
          or_dash(str(session, "workspaceId")), or_dash(str(session, "serverId")), session_since(session, now)};
}

std::string format_session(const json& session, TimePoint now) {
  KeyValues kv = {
      {"id", or_dash(str(session, "id"))},
      {"user", or_dash(str(session, "user"))},
      {"state", session_state(session)},
      {"origin", short_name("SESSION_ORIGIN_", str(session, "origin"))},
      {"workspace id", or_dash(str(session, "workspaceId"))},
      {"pool id", or_dash(str(session, "poolId"))},
      {"server id", or_dash(str(session, "serverId"))},
      {"agent session id", or_dash(str(session, "agentSessionId"))},
  };
  std::string taken = resources(session, "resources");
  if (taken != "-") kv.emplace_back("resources", taken);
  kv.emplace_back("reserved", when(session, "reservedAt", now));
  if (!str(session, "reservationExpiresAt").empty() && str(session, "activatedAt").empty()) {
    kv.emplace_back("reservation expires", when(session, "reservationExpiresAt", now));
  }
  kv.emplace_back("activated", when(session, "activatedAt", now));
  kv.emplace_back("ended", when(session, "endedAt", now));
  return format_key_values(kv);
}

std::string format_created_session(const json& created) {
  static const json kEmpty = json::object();
  auto part = [&](const char* key) -> const json& {
    auto it = created.find(key);
    return it != created.end() && it->is_object() ? *it : kEmpty;
  };
  const json& session = part("session");
  const json& connection = part("connection");
  std::string type = str(connection, "connectionType");
  std::string server = or_dash(str(connection, "hostname"));
  if (!str(connection, "serverId").empty()) server += " (" + str(connection, "serverId") + ")";
  return format_key_values({
      {"session", or_dash(str(session, "id"))},
      {"state", session_state(session)},
      {"user", or_dash(str(session, "user"))},
      {"server", server},
      {"connect to", host_port(str(connection, "address"), num(connection, "port"), type)},
      {"connection", short_name("CONNECTION_TYPE_", type.empty() ? "CONNECTION_TYPE_RDP" : type)},
      {"username", or_dash(str(connection, "username"))},
      {"password", flag(connection, "passwordStored") ? "stored on the server record" : "none stored"},
  });
}

}  // namespace corral::cli
