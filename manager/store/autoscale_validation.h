// The invariants every Store implementation holds an autoscale config to before it writes one
// (required ids, bounds, sealed password, well-formed schedules). The REST API checks more, with
// JSON Pointers (manager/api/autoscale_config_check.h); these keep the stored rows sound.
#pragma once

#include "common/result.h"
#include "manager/store/autoscale_records.h"

namespace corral::store {

// invalid_argument naming the rule a schedule breaks. The time zone's existence is not checked
// here (the store knows no time zone database).
Status check_autoscale_schedule(const AutoscaleSchedule& schedule);
// The config as it is to be stored, or invalid_argument naming the field.
Result<AutoscaleConfigRecord> checked_autoscale_config(AutoscaleConfigRecord config);

}  // namespace corral::store
