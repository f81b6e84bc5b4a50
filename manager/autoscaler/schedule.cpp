#include "manager/autoscaler/schedule.h"

#include <date/tz.h>

#include <array>
#include <cstdio>
#include <stdexcept>

namespace corral::autoscale {
namespace {

constexpr std::array<const char*, 7> kWeekdays{"sunday",   "monday", "tuesday", "wednesday",
                                               "thursday", "friday", "saturday"};

const date::time_zone* find_zone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    // Unknown name, or no tz database on this system at all.
    return nullptr;
  }
}

bool window_active(const store::AutoscaleSchedule& w, std::chrono::system_clock::time_point now) {
  const date::time_zone* zone = find_zone(w.time_zone);
  if (zone == nullptr) return false;
  const auto local = zone->to_local(std::chrono::floor<std::chrono::seconds>(now));
  const auto day = std::chrono::floor<date::days>(local);
  const unsigned today = date::weekday(day).c_encoding();
  const unsigned yesterday = (today + 6) % 7;
  const auto minute = std::chrono::duration_cast<std::chrono::minutes>(local - day).count();
  auto listed = [&](unsigned d) { return (w.days & (1u << d)) != 0; };
  if (w.start_minute < w.end_minute) return listed(today) && minute >= w.start_minute && minute < w.end_minute;
  return (listed(today) && minute >= w.start_minute) || (listed(yesterday) && minute < w.end_minute);
}

}  // namespace

bool schedule_active(const Schedules& schedules, std::chrono::system_clock::time_point now) {
  if (schedules.empty()) return true;
  for (const store::AutoscaleSchedule& w : schedules) {
    if (window_active(w, now)) return true;
  }
  return false;
}

bool time_zone_known(const std::string& name) { return !name.empty() && find_zone(name) != nullptr; }

std::optional<int32_t> parse_clock_time(std::string_view text, bool allow_end_of_day) {
  auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (text.size() != 5 || text[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4)) return std::nullopt;
  const int32_t hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int32_t minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (minutes > 59) return std::nullopt;
  if (hours == 24 && minutes == 0 && allow_end_of_day) return store::kMinutesPerDay;
  if (hours > 23) return std::nullopt;
  return hours * 60 + minutes;
}

std::string format_clock_time(int32_t minutes) {
  char out[8];
  std::snprintf(out, sizeof out, "%02d:%02d", static_cast<int>(minutes / 60) % 100, static_cast<int>(minutes % 60));
  return out;
}

std::optional<uint8_t> weekday_bit(std::string_view name) {
  for (unsigned d = 0; d < kWeekdays.size(); ++d) {
    if (name == kWeekdays[d]) return static_cast<uint8_t>(1u << d);
  }
  return std::nullopt;
}

const char* weekday_name(unsigned day) { return day < kWeekdays.size() ? kWeekdays[day] : "?"; }

}  // namespace corral::autoscale
