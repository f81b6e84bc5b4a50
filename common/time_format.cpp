#include "common/time_format.h"

#include <cstdio>
#include <ctime>

namespace corral {
namespace {

// MILLIS < 0: whole seconds only.
std::string format_utc(int64_t unix_seconds, int millis) {
  std::time_t secs = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (gmtime_r(&secs, &tm) == nullptr || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) return "";
  char text[40];
  int n = std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                        tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (millis >= 0) n += std::snprintf(text + n, sizeof text - static_cast<size_t>(n), ".%03d", millis);
  return std::string(text, static_cast<size_t>(n)) + "Z";
}

}  // namespace

std::string format_rfc3339(int64_t unix_seconds) { return format_utc(unix_seconds, -1); }

std::string format_rfc3339_millis(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  // floor, not a cast: before 1970 a cast would round towards the epoch and give a negative remainder.
  auto secs = floor<seconds>(t);
  return format_utc(secs.time_since_epoch().count(), static_cast<int>(duration_cast<milliseconds>(t - secs).count()));
}

}  // namespace corral
