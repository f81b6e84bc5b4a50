// What every Store implementation checks before it writes an autoscale config, so the rules do not
// depend on the backend. The REST API checks the same and more (time zones, hostname patterns,
// which fields a pool type takes) and says where; these are the invariants the schema relies on.
#include "manager/store/autoscale_records.h"

#include <string>

#include "common/secret_box.h"
#include "manager/store/autoscale_validation.h"

namespace corral::store {

namespace {

Status invalid(const std::string& message) { return error(ErrorCode::invalid_argument, message); }

}  // namespace

std::string autoscale_password_aad(const std::string& config_id) {
  return "autoscale_config/" + config_id + "/connection_password";
}

Status check_autoscale_schedule(const AutoscaleSchedule& s) {
  if (s.days == 0 || s.days > kEveryDay) return invalid("schedule days must name at least one weekday");
  if (s.start_minute < 0 || s.start_minute >= kMinutesPerDay) return invalid("schedule start must be 00:00-23:59");
  if (s.end_minute < 0 || s.end_minute > kMinutesPerDay) return invalid("schedule end must be 00:00-24:00");
  if (s.end_minute == s.start_minute) return invalid("schedule start and end must differ");
  if (s.time_zone.empty()) return invalid("schedule time zone is required");
  return {};
}

Result<AutoscaleConfigRecord> checked_autoscale_config(AutoscaleConfigRecord c) {
  if (c.id.empty()) return invalid("autoscale config id is required");
  if (c.name.empty()) return invalid("autoscale config name is required");
  if (c.pool_id.empty()) return invalid("autoscale config pool id is required");
  if (c.provider_config_id.empty()) return invalid("autoscale config provider config id is required");
  if (c.max_instances < 1) return invalid("autoscale config max_instances must be at least 1");
  if (c.downscale_backoff_seconds < 0) return invalid("autoscale config downscale_backoff must not be negative");
  if (c.provision_timeout_seconds < 1) return invalid("autoscale config provision timeout must be positive");
  if (c.minimum_available_sessions < 0) return invalid("autoscale config minimum_available_sessions is negative");
  if (c.max_sessions_per_server < 1) return invalid("autoscale config sessions per server must be at least 1");
  if (c.connection_port > 65535) return invalid("autoscale config connection port must be at most 65535");
  if (c.standby_cores < 0 || c.standby_memory_mb < 0 || c.standby_gpus < 0)
    return invalid("autoscale config standby capacity must not be negative");
  const ResourceAmounts& o = c.agent_resource_overrides;
  if (o.cores_milli < 0 || o.memory_bytes < 0 || o.gpus < 0)
    return invalid("autoscale config agent resource overrides must not be negative");
  // Checked by form only (the store holds no key): the API seals before it writes.
  if (!c.connection_password_sealed.empty() && !SecretBox::looks_sealed(c.connection_password_sealed))
    return invalid("autoscale config connection password must be sealed before it is stored");
  for (const AutoscaleSchedule& s : c.schedules) {
    if (Status st = check_autoscale_schedule(s); !st.ok()) return st;
  }
  return c;
}

}  // namespace corral::store
