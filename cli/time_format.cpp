#include "cli/time_format.h"

#include "common/time_format.h"

namespace corral::cli {
namespace {

bool is_unset(const google::protobuf::Timestamp& t) { return t.seconds() == 0 && t.nanos() == 0; }

}  // namespace

std::string absolute_time(const google::protobuf::Timestamp& t) {
  if (is_unset(t)) return "-";
  std::string text = format_rfc3339(t.seconds());
  return text.empty() ? "-" : text;
}

std::string relative_time(const google::protobuf::Timestamp& t, std::chrono::system_clock::time_point now) {
  if (is_unset(t)) return "-";
  int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  int64_t diff = now_s - t.seconds();
  bool future = diff < 0;
  // Timestamps are bounded to years 1..9999, so the negation cannot overflow.
  uint64_t d = static_cast<uint64_t>(future ? -diff : diff);
  std::string amount = d < 60          ? std::to_string(d) + "s"
                       : d < 3600      ? std::to_string(d / 60) + "m"
                       : d < 2 * 86400 ? std::to_string(d / 3600) + "h"
                                       : std::to_string(d / 86400) + "d";
  return future ? "in " + amount : amount + " ago";
}

std::string absolute_and_relative(const google::protobuf::Timestamp& t, std::chrono::system_clock::time_point now) {
  if (is_unset(t)) return "-";
  return absolute_time(t) + " (" + relative_time(t, now) + ")";
}

}  // namespace corral::cli
