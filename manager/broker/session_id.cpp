#include "manager/broker/session_id.h"

#include <cstdint>

#include "common/encoding.h"

namespace corral::broker {

std::string time_ordered_uuid(std::chrono::system_clock::time_point at) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
  const uint64_t stamp = ms < 0 ? 0 : static_cast<uint64_t>(ms);
  std::string b = random_bytes(16);
  for (int i = 0; i < 6; ++i) b[static_cast<size_t>(i)] = static_cast<char>((stamp >> (8 * (5 - i))) & 0xff);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x70);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  const std::string h = to_hex(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

}  // namespace corral::broker
