// When an autoscale config is active: its schedule windows in local time of IANA time zones
// (Howard Hinnant's date library over the system's tz database). The REST API parses and checks
// windows with these; the reconcile loop asks schedule_active() on every pass.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "manager/store/autoscale_records.h"

namespace corral::autoscale {

using Schedules = store::AutoscaleSchedules;

// True when `schedules` is empty or any window holds `now`: its local time in the window's zone
// is in [start, end) on one of its days (for a window that crosses midnight, the part after
// midnight belongs to the day before). Windows follow the wall clock: across a DST change a
// window that starts in the skipped hour starts with the jump, one in the repeated hour is
// active both times. A window whose zone this system does not know is never active.
bool schedule_active(const Schedules& schedules, std::chrono::system_clock::time_point now);

// The system's tz database knows `name` ("Europe/Berlin", "UTC").
bool time_zone_known(const std::string& name);

// "HH:MM" → minutes after midnight; "24:00" only when allow_end_of_day. nullopt otherwise.
std::optional<int32_t> parse_clock_time(std::string_view text, bool allow_end_of_day);
std::string format_clock_time(int32_t minutes);

// "monday" ... "sunday" (as written, lower case) → its bit in AutoscaleSchedule::days.
std::optional<uint8_t> weekday_bit(std::string_view name);
// Sunday = 0.
const char* weekday_name(unsigned day);

}  // namespace corral::autoscale
