// How corralctl shows protobuf timestamps to people: absolute UTC and relative to an injected
// "now" ("5s ago", "in 2h"), so tests of the formatters do not depend on the clock.
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <chrono>
#include <string>

namespace corral::cli {

// "2024-05-01T12:00:00Z"; "-" when unset (zero).
std::string absolute_time(const google::protobuf::Timestamp& t);

// Whole seconds, minutes, hours (below two days) or days: "5s ago", "3m ago", "26h ago",
// "4d ago", "in 10m"; "-" when unset.
std::string relative_time(const google::protobuf::Timestamp& t, std::chrono::system_clock::time_point now);

// "2024-05-01T12:00:00Z (5s ago)"; "-" when unset.
std::string absolute_and_relative(const google::protobuf::Timestamp& t, std::chrono::system_clock::time_point now);

}  // namespace corral::cli
