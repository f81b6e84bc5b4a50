// Fuzzes what the agent listener does with the plaintext of a connection before and after the
// websocket handshake: parse_ws_upgrade on arbitrary bytes, and FrameReader on them fed in
// arbitrary chunks, checked against the rules it enforces.
//
// Input layout: byte 0 is the frame size limit (times 16), byte 1 the chunk size (low 5 bits,
// plus one); the rest is the bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "manager/net/ws_frames.h"
#include "manager/net/ws_upgrade.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using corral::manager::WsUpgrade;
namespace wsframe = corral::manager::wsframe;

void check_upgrade(std::string_view bytes) {
  WsUpgrade u = corral::manager::parse_ws_upgrade(bytes, "/agent/v1", "corral.agent.v1");
  switch (u.outcome) {
    case WsUpgrade::Outcome::need_more:
      FUZZ_CHECK(bytes.size() <= corral::manager::kMaxUpgradeRequestBytes);
      FUZZ_CHECK(u.response.empty());
      break;
    case WsUpgrade::Outcome::accepted:
      FUZZ_CHECK(u.consumed <= bytes.size());
      FUZZ_CHECK(bytes.substr(u.consumed - 4, 4) == "\r\n\r\n");
      FUZZ_CHECK(u.response.rfind("HTTP/1.1 101 ", 0) == 0);
      FUZZ_CHECK(u.response.find("sec-websocket-protocol: corral.agent.v1\r\n") != std::string::npos);
      break;
    case WsUpgrade::Outcome::refused:
      FUZZ_CHECK(u.response.rfind("HTTP/1.1 4", 0) == 0);
      FUZZ_CHECK(!u.why.empty());
      break;
  }
}

void check_frames(size_t limit, size_t chunk, std::string_view bytes) {
  wsframe::FrameReader reader(limit);
  bool failed = false;
  for (size_t offset = 0; offset < bytes.size(); offset += chunk) {
    reader.append(bytes.substr(offset, chunk));
    wsframe::Frame frame;
    while (true) {
      auto outcome = reader.next(&frame);
      if (outcome == wsframe::FrameReader::Outcome::need_more) {
        FUZZ_CHECK(!failed);
        break;
      }
      if (outcome == wsframe::FrameReader::Outcome::error) {
        FUZZ_CHECK(reader.error_code() == 1002 || reader.error_code() == 1009);
        FUZZ_CHECK(!reader.error_reason().empty());
        failed = true;
        break;
      }
      FUZZ_CHECK(!failed);
      FUZZ_CHECK(frame.payload.size() <= limit);
      if (frame.opcode & 0x8) FUZZ_CHECK(frame.fin && frame.payload.size() <= 125);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 2, size - 2);
  check_upgrade(bytes);
  check_frames(size_t{data[0]} * 16, 1 + (data[1] & 0x1f), bytes);
  return 0;
}
