#include "manager/api/autoscale_config_check.h"

#include <google/protobuf/util/time_util.h>

#include <nlohmann/json.hpp>
#include <string_view>

#include "manager/api/field_checker.h"
#include "manager/api/provider_config_check.h"
#include "manager/api/session_view.h"
#include "manager/autoscaler/schedule.h"

namespace corral::manager::api {
namespace {

using google::protobuf::util::TimeUtil;

constexpr size_t kMaxNameBytes = 128;
constexpr size_t kMaxZoneBytes = 128;
constexpr size_t kMaxUsernameBytes = 256;
constexpr size_t kMaxPasswordBytes = 1024;
constexpr size_t kMaxConnectionInfoBytes = 4096;
constexpr size_t kMaxIdBytes = 128;
constexpr size_t kMaxDnBytes = 1024;
constexpr uint32_t kMaxInstances = 10000;
constexpr uint32_t kMaxDownscaleBackoffSeconds = 7 * 24 * 3600;
constexpr uint32_t kMinProvisionTimeoutSeconds = 30;
constexpr uint32_t kMaxProvisionTimeoutSeconds = 24 * 3600;
constexpr uint32_t kMaxMinimumAvailable = 100000;
constexpr uint32_t kMaxSessionsPerServer = 1000;
constexpr int kMaxSchedules = 32;
constexpr uint32_t kMaxStandbyCores = 100000;
constexpr uint64_t kMaxStandbyMemoryMb = uint64_t{1} << 30;
constexpr uint32_t kMaxStandbyGpus = 10000;
// NetBIOS names are at most 15 characters; "{random}" fills what the fixed part leaves, at least 4.
constexpr size_t kMaxHostnameFixedChars = 11;
constexpr std::string_view kRandom = "{random}";

bool any(const brokerv1::Resources& r) { return r.cores_milli() != 0 || r.memory_bytes() != 0 || r.gpus() != 0; }

void check_schedule(FieldChecker& c, const std::string& at, const brokerv1::AutoscaleSchedule& w) {
  uint8_t seen = 0;
  for (int i = 0; i < w.days_size(); ++i) {
    auto bit = autoscale::weekday_bit(w.days(i));
    if (!bit) {
      c.add(at + "/days/" + std::to_string(i), "must be a weekday name in lower case (\"monday\" ... \"sunday\")");
    } else if ((seen & *bit) != 0) {
      c.add(at + "/days/" + std::to_string(i), "names " + w.days(i) + " twice");
    } else {
      seen |= *bit;
    }
  }
  auto start = autoscale::parse_clock_time(w.start_time(), false);
  auto end = autoscale::parse_clock_time(w.end_time(), true);
  if (!start) c.add(at + "/startTime", "must be \"HH:MM\", 00:00-23:59");
  if (!end) c.add(at + "/endTime", "must be \"HH:MM\", 00:00-23:59 or 24:00");
  if (start && end && *start == *end) c.add(at + "/endTime", "must differ from startTime");
  if (w.time_zone().empty()) {
    c.add(at + "/timeZone", "is required: an IANA time zone such as \"Europe/Berlin\" or \"UTC\"");
  } else if (!autoscale::time_zone_known(w.time_zone())) {
    c.add(at + "/timeZone", "is not a time zone this system knows (IANA names such as \"America/New_York\")");
  }
}

void check_hostname_pattern(FieldChecker& c, const std::string& pattern) {
  if (pattern.empty()) return;
  const size_t at = pattern.find(kRandom);
  if (at == std::string::npos || pattern.find(kRandom, at + 1) != std::string::npos) {
    return c.add("/hostnamePattern", "must hold \"{random}\" exactly once");
  }
  std::string fixed = pattern.substr(0, at) + pattern.substr(at + kRandom.size());
  for (char ch : fixed) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-';
    if (!ok) return c.add("/hostnamePattern", "may hold only letters, digits, '-' and \"{random}\"");
  }
  if (fixed.size() > kMaxHostnameFixedChars) {
    c.add("/hostnamePattern", "leaves too little room for {random}: at most " + std::to_string(kMaxHostnameFixedChars) +
                                  " other characters (15 in all)");
  }
  if (pattern.front() == '-' || pattern.back() == '-') c.add("/hostnamePattern", "must not start or end with '-'");
}

// "OU=VMs,DC=example,DC=com": comma-separated attribute=value pairs ("\," escapes a comma).
bool dn_well_formed(std::string_view dn) {
  size_t begin = 0;
  while (begin <= dn.size()) {
    size_t end = begin;
    while (end < dn.size() && dn[end] != ',') end += dn[end] == '\\' ? 2 : 1;
    end = std::min(end, dn.size());
    std::string_view rdn = dn.substr(begin, end - begin);
    const size_t eq = rdn.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == rdn.size()) return false;
    for (char ch : rdn.substr(0, eq)) {
      const bool ok =
          (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == ' ';
      if (!ok) return false;
    }
    if (end == dn.size()) return true;
    begin = end + 1;
  }
  return false;
}

void check_server_fields(FieldChecker& c, const brokerv1::AutoscaleConfig& in, bool ldap_config_known,
                         const store::AutoscaleConfigRecord* s) {
  if (in.minimum_available_sessions() > kMaxMinimumAvailable) {
    c.add("/minimumAvailableSessions", "must be at most " + std::to_string(kMaxMinimumAvailable));
  }
  if (in.has_max_simultaneous_sessions_per_server() &&
      (in.max_simultaneous_sessions_per_server() < 1 ||
       in.max_simultaneous_sessions_per_server() > kMaxSessionsPerServer)) {
    c.add("/maxSimultaneousSessionsPerServer", "must be 1-" + std::to_string(kMaxSessionsPerServer));
  }
  if (in.has_require_checkin() && !in.require_checkin()) {
    c.add("/requireCheckin",
          "false is not supported: a Corral server takes sessions only through its agent, so it is ready only "
          "once the agent has checked in");
  }
  if (in.connection_port() > 65535) c.add("/connectionPort", "must be 1-65535 (0 = the connection type's default)");
  c.text("/connectionUsername", in.connection_username(), kMaxUsernameBytes, false);
  if (in.has_connection_password()) {
    if (s == nullptr && in.connection_password() == kRedacted) {
      c.add("/connectionPassword", "\"[redacted]\" keeps a stored password; a new config has none");
    } else if (in.connection_password().size() > kMaxPasswordBytes) {
      c.add("/connectionPassword", "must be at most " + std::to_string(kMaxPasswordBytes) + " bytes");
    }
  }
  if (!in.connection_info().empty()) {
    if (in.connection_info().size() > kMaxConnectionInfoBytes) {
      c.add("/connectionInfo", "must be at most " + std::to_string(kMaxConnectionInfoBytes) + " bytes");
    } else {
      auto parsed = nlohmann::json::parse(in.connection_info(), nullptr, false);
      if (parsed.is_discarded() || !parsed.is_object()) c.add("/connectionInfo", "must be a JSON object");
    }
  }
  c.text("/ldapConfigId", in.ldap_config_id(), kMaxIdBytes, false);
  if (!in.ldap_config_id().empty() && in.ldap_config_id().find(' ') != std::string::npos) {
    c.add("/ldapConfigId", "must be an LDAP config's id (no spaces)");
  } else if (!in.ldap_config_id().empty() && !ldap_config_known) {
    c.add("/ldapConfigId", "no LDAP config " + in.ldap_config_id());
  }
  c.text("/adComputerContainerDn", in.ad_computer_container_dn(), kMaxDnBytes, false);
  if (!in.ad_computer_container_dn().empty() && !dn_well_formed(in.ad_computer_container_dn())) {
    c.add("/adComputerContainerDn", "must be a distinguished name such as \"OU=VMs,DC=example,DC=com\"");
  }
  if (in.ad_create_machine_record()) {
    if (in.ldap_config_id().empty()) c.add("/ldapConfigId", "is required with adCreateMachineRecord");
    if (in.ad_computer_container_dn().empty()) {
      c.add("/adComputerContainerDn", "is required with adCreateMachineRecord");
    }
  } else if (in.ad_recursive_machine_record_cleanup()) {
    c.add("/adRecursiveMachineRecordCleanup", "applies only with adCreateMachineRecord");
  }
}

// Docker pools take none of the server fields: each one set is named.
void refuse_server_fields(FieldChecker& c, const brokerv1::AutoscaleConfig& in) {
  const char* why = "only autoscale configs of server pools take it";
  if (in.minimum_available_sessions() != 0) c.add("/minimumAvailableSessions", why);
  if (in.has_max_simultaneous_sessions_per_server()) c.add("/maxSimultaneousSessionsPerServer", why);
  if (in.has_reusable()) c.add("/reusable", why);
  if (in.has_require_checkin()) c.add("/requireCheckin", why);
  if (in.connection_type() != brokerv1::CONNECTION_TYPE_UNSPECIFIED) c.add("/connectionType", why);
  if (in.connection_port() != 0) c.add("/connectionPort", why);
  if (!in.connection_username().empty()) c.add("/connectionUsername", why);
  if (in.has_connection_password()) c.add("/connectionPassword", why);
  if (!in.connection_info().empty()) c.add("/connectionInfo", why);
  if (in.ad_create_machine_record()) c.add("/adCreateMachineRecord", why);
  if (!in.ldap_config_id().empty()) c.add("/ldapConfigId", why);
  if (!in.ad_computer_container_dn().empty()) c.add("/adComputerContainerDn", why);
  if (in.ad_recursive_machine_record_cleanup()) c.add("/adRecursiveMachineRecordCleanup", why);
}

void check_docker_fields(FieldChecker& c, const brokerv1::AutoscaleConfig& in) {
  if (in.standby_cores() > kMaxStandbyCores)
    c.add("/standbyCores", "must be at most " + std::to_string(kMaxStandbyCores));
  if (in.standby_memory_mb() > kMaxStandbyMemoryMb) {
    c.add("/standbyMemoryMb", "must be at most " + std::to_string(kMaxStandbyMemoryMb));
  }
  if (in.standby_gpus() > kMaxStandbyGpus) c.add("/standbyGpus", "must be at most " + std::to_string(kMaxStandbyGpus));
  // The autoscaler counts a booting VM at this size: without it a standby could never be met.
  const auto& size = in.agent_resource_overrides();
  auto needs = [&](bool standby, uint64_t field, const char* path, const char* standby_name) {
    if (standby && field == 0) {
      c.add(path, std::string("is required with ") + standby_name +
                      ": the size of each agent VM the config creates, counted while it boots");
    }
  };
  needs(in.standby_cores() > 0, size.cores_milli(), "/agentResourceOverrides/coresMilli", "standbyCores");
  needs(in.standby_memory_mb() > 0, size.memory_bytes(), "/agentResourceOverrides/memoryBytes", "standbyMemoryMb");
  needs(in.standby_gpus() > 0, size.gpus(), "/agentResourceOverrides/gpus", "standbyGpus");
}

void refuse_docker_fields(FieldChecker& c, const brokerv1::AutoscaleConfig& in) {
  const char* why = "only autoscale configs of docker agent pools take it";
  if (in.standby_cores() != 0) c.add("/standbyCores", why);
  if (in.standby_memory_mb() != 0) c.add("/standbyMemoryMb", why);
  if (in.standby_gpus() != 0) c.add("/standbyGpus", why);
  if (in.has_agent_resource_overrides() && any(in.agent_resource_overrides())) {
    c.add("/agentResourceOverrides", why);
  }
}

}  // namespace

Violations check_autoscale_config(const brokerv1::AutoscaleConfig& in, const store::PoolRecord* pool,
                                  bool provider_config_known, bool ldap_config_known,
                                  const store::AutoscaleConfigRecord* stored) {
  FieldChecker c;
  c.output_only(in, stored == nullptr);
  c.text("/name", in.name(), kMaxNameBytes, true);
  if (stored != nullptr && !in.pool_id().empty() && in.pool_id() != stored->pool_id) {
    c.add("/poolId", "cannot change: create a config for the other pool instead");
  } else if (stored == nullptr && in.pool_id().empty()) {
    c.add("/poolId", "is required");
  } else if (pool == nullptr) {
    c.add("/poolId", "no pool " + in.pool_id());
  }
  if (in.provider_config_id().empty()) {
    c.add("/providerConfigId", "is required");
  } else if (!provider_config_known) {
    c.add("/providerConfigId", "no provider config " + in.provider_config_id());
  }
  c.text("/deploymentZone", in.deployment_zone(), kMaxZoneBytes, false);
  if (in.max_instances() < 1 || in.max_instances() > kMaxInstances) {
    c.add("/maxInstances",
          "is required: 1-" + std::to_string(kMaxInstances) + " (the most VMs the config has at once)");
  }
  if (in.has_downscale_backoff_seconds() && in.downscale_backoff_seconds() > kMaxDownscaleBackoffSeconds) {
    c.add("/downscaleBackoffSeconds", "must be at most " + std::to_string(kMaxDownscaleBackoffSeconds));
  }
  if (in.has_provision_timeout_seconds() && (in.provision_timeout_seconds() < kMinProvisionTimeoutSeconds ||
                                             in.provision_timeout_seconds() > kMaxProvisionTimeoutSeconds)) {
    c.add("/provisionTimeoutSeconds",
          "must be " + std::to_string(kMinProvisionTimeoutSeconds) + "-" + std::to_string(kMaxProvisionTimeoutSeconds));
  }
  if (in.schedules_size() > kMaxSchedules) c.add("/schedules", "at most " + std::to_string(kMaxSchedules));
  for (int i = 0; i < in.schedules_size(); ++i) check_schedule(c, "/schedules/" + std::to_string(i), in.schedules(i));
  check_hostname_pattern(c, in.hostname_pattern());
  if (pool != nullptr) {
    if (pool->type == store::PoolType::docker_agent) {
      refuse_server_fields(c, in);
      check_docker_fields(c, in);
    } else {
      refuse_docker_fields(c, in);
      check_server_fields(c, in, ldap_config_known, stored);
    }
  }
  return c.take();
}

store::AutoscaleConfigRecord autoscale_config_record(const brokerv1::AutoscaleConfig& in,
                                                     const store::AutoscaleConfigRecord* stored) {
  store::AutoscaleConfigRecord r;
  if (stored != nullptr) {
    r = *stored;
  } else {
    r.pool_id = in.pool_id();
  }
  r.name = in.name();
  if (in.has_enabled() || stored == nullptr) r.enabled = !in.has_enabled() || in.enabled();
  r.provider_config_id = in.provider_config_id();
  r.deployment_zone = in.deployment_zone();
  r.priority = in.priority();
  r.dry_run = in.dry_run();
  r.max_instances = in.max_instances();
  if (in.has_downscale_backoff_seconds()) r.downscale_backoff_seconds = in.downscale_backoff_seconds();
  if (in.has_provision_timeout_seconds()) r.provision_timeout_seconds = in.provision_timeout_seconds();
  r.schedules.clear();
  for (const auto& w : in.schedules()) {
    store::AutoscaleSchedule s;
    s.days = 0;
    for (const std::string& d : w.days()) s.days |= autoscale::weekday_bit(d).value_or(0);
    if (s.days == 0) s.days = store::kEveryDay;
    s.start_minute = autoscale::parse_clock_time(w.start_time(), false).value_or(0);
    s.end_minute = autoscale::parse_clock_time(w.end_time(), true).value_or(0);
    s.time_zone = w.time_zone();
    r.schedules.push_back(std::move(s));
  }
  r.hostname_pattern = in.hostname_pattern();
  r.minimum_available_sessions = in.minimum_available_sessions();
  if (in.has_max_simultaneous_sessions_per_server())
    r.max_sessions_per_server = in.max_simultaneous_sessions_per_server();
  if (in.has_reusable()) r.reusable = in.reusable();
  if (in.has_require_checkin()) r.require_checkin = in.require_checkin();
  r.connection_type = connection_type_from(in.connection_type());
  r.connection_port =
      in.connection_port() != 0 ? in.connection_port() : store::default_connection_port(r.connection_type);
  r.connection_username = in.connection_username();
  r.connection_info = in.connection_info();
  r.ad_create_machine_record = in.ad_create_machine_record();
  r.ldap_config_id = in.ldap_config_id();
  r.ad_computer_container_dn = in.ad_computer_container_dn();
  r.ad_recursive_machine_record_cleanup = in.ad_recursive_machine_record_cleanup();
  r.standby_cores = in.standby_cores();
  r.standby_memory_mb = static_cast<int64_t>(in.standby_memory_mb());
  r.standby_gpus = in.standby_gpus();
  const auto& o = in.agent_resource_overrides();
  r.agent_resource_overrides = {static_cast<int64_t>(o.cores_milli()), static_cast<int64_t>(o.memory_bytes()),
                                static_cast<int64_t>(o.gpus())};
  return r;
}

PasswordChange autoscale_password_change(const brokerv1::AutoscaleConfig& in) {
  if (!in.has_connection_password() || in.connection_password() == kRedacted) return {};
  if (in.connection_password().empty()) return {PasswordChange::Kind::remove, ""};
  return {PasswordChange::Kind::set, in.connection_password()};
}

brokerv1::AutoscaleConfig autoscale_config_view(const store::AutoscaleConfigRecord& r, store::PoolType pool_type) {
  brokerv1::AutoscaleConfig out;
  out.set_id(r.id);
  out.set_name(r.name);
  out.set_enabled(r.enabled);
  out.set_pool_id(r.pool_id);
  out.set_provider_config_id(r.provider_config_id);
  out.set_deployment_zone(r.deployment_zone);
  out.set_priority(r.priority);
  out.set_dry_run(r.dry_run);
  out.set_max_instances(static_cast<uint32_t>(r.max_instances));
  out.set_downscale_backoff_seconds(static_cast<uint32_t>(r.downscale_backoff_seconds));
  out.set_provision_timeout_seconds(static_cast<uint32_t>(r.provision_timeout_seconds));
  for (const store::AutoscaleSchedule& s : r.schedules) {
    auto* w = out.add_schedules();
    for (unsigned d = 0; d < 7; ++d) {
      // Monday first, as people read a week.
      const unsigned day = (d + 1) % 7;
      if ((s.days & (1u << day)) != 0) w->add_days(autoscale::weekday_name(day));
    }
    w->set_start_time(autoscale::format_clock_time(s.start_minute));
    w->set_end_time(autoscale::format_clock_time(s.end_minute));
    w->set_time_zone(s.time_zone);
  }
  out.set_hostname_pattern(r.hostname_pattern);
  if (pool_type == store::PoolType::server) {
    out.set_minimum_available_sessions(static_cast<uint32_t>(r.minimum_available_sessions));
    out.set_max_simultaneous_sessions_per_server(static_cast<uint32_t>(r.max_sessions_per_server));
    out.set_reusable(r.reusable);
    out.set_require_checkin(r.require_checkin);
    out.set_connection_type(connection_type_view(r.connection_type));
    out.set_connection_port(r.connection_port);
    out.set_connection_username(r.connection_username);
    if (!r.connection_password_sealed.empty()) out.set_connection_password(kRedacted);
    out.set_connection_info(r.connection_info);
    out.set_ad_create_machine_record(r.ad_create_machine_record);
    out.set_ldap_config_id(r.ldap_config_id);
    out.set_ad_computer_container_dn(r.ad_computer_container_dn);
    out.set_ad_recursive_machine_record_cleanup(r.ad_recursive_machine_record_cleanup);
  } else {
    out.set_standby_cores(static_cast<uint32_t>(r.standby_cores));
    out.set_standby_memory_mb(static_cast<uint64_t>(r.standby_memory_mb));
    out.set_standby_gpus(static_cast<uint32_t>(r.standby_gpus));
    const store::ResourceAmounts& o = r.agent_resource_overrides;
    if (!(o == store::ResourceAmounts{})) {
      auto* v = out.mutable_agent_resource_overrides();
      v->set_cores_milli(static_cast<uint32_t>(o.cores_milli));
      v->set_memory_bytes(static_cast<uint64_t>(o.memory_bytes));
      v->set_gpus(static_cast<uint32_t>(o.gpus));
    }
  }
  *out.mutable_created_at() = TimeUtil::SecondsToTimestamp(r.created_at);
  *out.mutable_updated_at() = TimeUtil::SecondsToTimestamp(r.updated_at);
  out.set_revision(r.revision);
  return out;
}

}  // namespace corral::manager::api
