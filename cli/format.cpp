#include "cli/format.h"

#include <cstdio>
#include <map>

#include "cli/table.h"
#include "cli/time_format.h"

namespace corral::cli {
namespace {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

std::string session_state_name(agent::v1::SessionState state) {
  switch (state) {
    case agent::v1::SESSION_STATE_STARTING: return "starting";
    case agent::v1::SESSION_STATE_ACTIVE: return "active";
    case agent::v1::SESSION_STATE_DISCONNECTED: return "disconnected";
    case agent::v1::SESSION_STATE_ENDING: return "ending";
    default: return "unknown";
  }
}

std::string backend_name(agent::v1::BackendKind kind) {
  switch (kind) {
    case agent::v1::BACKEND_KIND_RDP_WINDOWS: return "rdp-windows";
    case agent::v1::BACKEND_KIND_XRDP: return "xrdp";
    case agent::v1::BACKEND_KIND_DOCKER: return "docker";
    case agent::v1::BACKEND_KIND_MANAGED: return "managed";
    default: return "unknown";
  }
}

std::string os_column(const api::v1::Agent& agent) {
  std::string family = os_family_name(agent.os_family());
  if (family.empty()) return or_dash(agent.os_version());
  return agent.os_version().empty() ? family : family + " " + agent.os_version();
}

std::string join(const google::protobuf::RepeatedPtrField<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return or_dash(out);
}

// Protobuf maps iterate in no fixed order; people and tests want the same line every time.
std::string join_labels(const google::protobuf::Map<std::string, std::string>& labels) {
  std::map<std::string, std::string> sorted(labels.begin(), labels.end());
  std::string out;
  for (const auto& [key, value] : sorted) {
    if (!out.empty()) out += ", ";
    out.append(key).append("=").append(value);
  }
  return or_dash(out);
}

// 1500 -> "1.5", 4000 -> "4".
std::string cores(uint32_t milli) {
  std::string out = std::to_string(milli / 1000);
  if (uint32_t frac = milli % 1000) {
    char buf[8];
    std::snprintf(buf, sizeof buf, ".%03u", frac);
    std::string decimals = buf;
    while (decimals.back() == '0') decimals.pop_back();
    out += decimals;
  }
  return out;
}

std::string bytes(uint64_t n) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(n);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
  return buf;
}

void add_capacity(const agent::v1::CapacityReport& capacity, KeyValues& kv) {
  kv.emplace_back("draining", capacity.draining() ? "yes" : "no");
  if (capacity.cores_total_milli()) {
    kv.emplace_back("cpu free",
                    cores(capacity.cores_free_milli()) + " of " + cores(capacity.cores_total_milli()) + " cores");
  }
  if (capacity.memory_total_bytes()) {
    kv.emplace_back("memory free", bytes(capacity.memory_free_bytes()) + " of " + bytes(capacity.memory_total_bytes()));
  }
  if (capacity.gpus_total()) {
    kv.emplace_back("gpus free", std::to_string(capacity.gpus_free()) + " of " + std::to_string(capacity.gpus_total()));
  }
}

}  // namespace

std::string agent_status_name(api::v1::AgentStatus status) {
  switch (status) {
    case api::v1::AGENT_STATUS_ONLINE: return "online";
    case api::v1::AGENT_STATUS_MISSING: return "missing";
    case api::v1::AGENT_STATUS_OFFLINE: return "offline";
    case api::v1::AGENT_STATUS_REVOKED: return "revoked";
    default: return "unknown";
  }
}

std::string os_family_name(agent::v1::OsFamily family) {
  switch (family) {
    case agent::v1::OS_FAMILY_LINUX: return "linux";
    case agent::v1::OS_FAMILY_WINDOWS: return "windows";
    default: return "";
  }
}

std::string sessions_column(const api::v1::Agent& agent) {
  if (!agent.has_capacity()) return "-";
  const auto& capacity = agent.capacity();
  return std::to_string(capacity.sessions_size()) + "/" + std::to_string(capacity.max_sessions());
}

Row agent_table_header() { return {"ID", "HOSTNAME", "STATUS", "OS", "VERSION", "SESSIONS", "LAST SEEN"}; }

Row agent_row(const api::v1::Agent& agent, std::chrono::system_clock::time_point now) {
  return {or_dash(agent.id()),
          or_dash(agent.hostname()),
          agent_status_name(agent.status()),
          os_column(agent),
          or_dash(agent.agent_version()),
          sessions_column(agent),
          relative_time(agent.last_seen(), now)};
}

std::string format_agent_table(const api::v1::ListAgentsResponse& list, std::chrono::system_clock::time_point now) {
  std::vector<Row> rows;
  rows.reserve(static_cast<size_t>(list.agents_size()));
  for (const auto& agent : list.agents()) rows.push_back(agent_row(agent, now));
  return format_table(agent_table_header(), rows);
}

std::string format_agent_details(const api::v1::Agent& agent, std::chrono::system_clock::time_point now) {
  KeyValues kv;
  kv.emplace_back("id", or_dash(agent.id()));
  kv.emplace_back("hostname", or_dash(agent.hostname()));
  kv.emplace_back("status", agent_status_name(agent.status()));
  kv.emplace_back("os", os_column(agent));
  kv.emplace_back("agent version", or_dash(agent.agent_version()));
  kv.emplace_back("addresses", join(agent.addresses()));
  kv.emplace_back("labels", join_labels(agent.labels()));
  if (!agent.server_id().empty()) kv.emplace_back("server id", agent.server_id());
  kv.emplace_back("enrolled", absolute_and_relative(agent.enrolled_at(), now));
  kv.emplace_back("last seen", absolute_and_relative(agent.last_seen(), now));
  if (agent.has_revoked_at()) kv.emplace_back("revoked", absolute_and_relative(agent.revoked_at(), now));
  kv.emplace_back("certificate serial", or_dash(agent.certificate_serial()));
  kv.emplace_back("sessions", sessions_column(agent));
  if (agent.has_capacity()) add_capacity(agent.capacity(), kv);
  std::string out = format_key_values(kv);

  if (agent.has_capacity() && agent.capacity().sessions_size() > 0) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& s : agent.capacity().sessions()) {
      rows.push_back({or_dash(s.id()), or_dash(s.user()), session_state_name(s.state()), backend_name(s.backend()),
                      relative_time(s.started_at(), now)});
    }
    out += "\n" + format_table({"SESSION", "USER", "STATE", "BACKEND", "STARTED"}, rows);
  }
  return out;
}

std::string format_join_token(const api::v1::JoinToken& token, std::chrono::system_clock::time_point now) {
  KeyValues kv;
  kv.emplace_back("token", or_dash(token.token()));
  kv.emplace_back("id", or_dash(token.id()));
  kv.emplace_back("expires", absolute_and_relative(token.expires_at(), now));
  kv.emplace_back("labels", join_labels(token.labels()));
  if (!token.server_id().empty()) kv.emplace_back("server id", token.server_id());
  if (!token.description().empty()) kv.emplace_back("description", token.description());
  if (!token.ca_cert_sha256().empty()) kv.emplace_back("ca sha256", token.ca_cert_sha256());
  return format_key_values(kv);
}

std::string format_admin_token(const api::v1::AdminToken& token, std::chrono::system_clock::time_point now) {
  KeyValues kv;
  if (!token.token().empty()) kv.emplace_back("token", token.token());
  kv.emplace_back("id", or_dash(token.id()));
  kv.emplace_back("name", or_dash(token.name()));
  kv.emplace_back("created", absolute_and_relative(token.created_at(), now));
  return format_key_values(kv);
}

std::string format_admin_token_table(const api::v1::ListAdminTokensResponse& list,
                                     std::chrono::system_clock::time_point now) {
  std::vector<Row> rows;
  for (const auto& t : list.admin_tokens()) {
    rows.push_back({or_dash(t.id()), or_dash(t.name()), absolute_and_relative(t.created_at(), now)});
  }
  return format_table({"ID", "NAME", "CREATED"}, rows);
}

}  // namespace corral::cli
