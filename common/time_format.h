// Times as text, in one format everywhere: RFC 3339 in UTC. Log lines use the millisecond form;
// corralctl shows whole seconds. (The API's JSON carries google.protobuf.Timestamp, which
// protobuf formats itself.)
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace corral {

// "2026-01-02T03:04:05Z"; empty when the year is outside 0000-9999. Takes seconds rather than a
// time_point, whose nanoseconds end in 2262, so any protobuf Timestamp (years 1-9999) formats.
std::string format_rfc3339(int64_t unix_seconds);
// "2026-01-02T03:04:05.678Z".
std::string format_rfc3339_millis(std::chrono::system_clock::time_point t);

}  // namespace corral
