// An autoscale config as every Store implementation keeps it: how one provider config keeps one
// pool at its free capacity (docs/autoscaling.md). The REST API builds and shows it; the
// autoscaler's reconcile loop reads it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "manager/store/broker_records.h"

namespace corral::store {

// Bit d of AutoscaleSchedule::days is weekday d, Sunday = 0 (as std::chrono::weekday counts).
inline constexpr uint8_t kEveryDay = 0x7f;
inline constexpr int32_t kMinutesPerDay = 24 * 60;

// A window of local time in an IANA time zone. An end before the start crosses midnight and
// belongs to the day it starts on.
struct AutoscaleSchedule {
  uint8_t days = kEveryDay;  // 1-127
  int32_t start_minute = 0;  // 0-1439
  int32_t end_minute = 0;    // 0-1440, != start_minute
  std::string time_zone;
  bool operator==(const AutoscaleSchedule&) const = default;
};
using AutoscaleSchedules = std::vector<AutoscaleSchedule>;

inline constexpr int64_t kDefaultDownscaleBackoffSeconds = 1800;
inline constexpr int64_t kDefaultProvisionTimeoutSeconds = 600;

struct AutoscaleConfigRecord {
  std::string id;    // UUID
  std::string name;  // unique among autoscale configs
  bool enabled = true;
  std::string pool_id;  // fixed at creation
  std::string provider_config_id;
  std::string deployment_zone;
  uint32_t priority = 0;  // lowest first among a pool's configs
  bool dry_run = false;
  int64_t max_instances = 1;
  int64_t downscale_backoff_seconds = kDefaultDownscaleBackoffSeconds;
  int64_t provision_timeout_seconds = kDefaultProvisionTimeoutSeconds;
  AutoscaleSchedules schedules;  // in the order given; none = always active
  std::string hostname_pattern;  // empty = the default pattern

  // Server pools.
  int64_t minimum_available_sessions = 0;
  int64_t max_sessions_per_server = 1;
  bool reusable = true;
  bool require_checkin = true;
  ConnectionType connection_type = ConnectionType::rdp;
  uint32_t connection_port = 0;
  std::string connection_username;
  // SecretBox::seal(password, autoscale_password_aad(id)) or empty; the store refuses plaintext.
  std::string connection_password_sealed;
  std::string connection_info;  // a JSON object's text, or empty
  bool ad_create_machine_record = false;
  std::string ldap_config_id;
  std::string ad_computer_container_dn;
  bool ad_recursive_machine_record_cleanup = false;

  // Docker agent pools.
  int64_t standby_cores = 0;
  int64_t standby_memory_mb = 0;
  int64_t standby_gpus = 0;
  ResourceAmounts agent_resource_overrides;  // per field 0 = what the agent reports

  int64_t created_at = 0;  // unix seconds
  int64_t updated_at = 0;
  uint64_t revision = 0;  // 1 at creation, +1 on every change
};

// The associated data a config's connection password is sealed with: a sealed value copied to
// another config (or to a server) does not open.
std::string autoscale_password_aad(const std::string& config_id);

}  // namespace corral::store
