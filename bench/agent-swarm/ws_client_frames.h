// The client side of RFC 6455 that the swarm needs without libwebsockets: the HTTP/1.1 upgrade
// request and the check of the server's 101 answer, masked client frames, and parsing the
// server's unmasked frames out of a byte buffer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace corral::bench {

enum WsOpcode : uint8_t {
  kWsContinuation = 0x0,
  kWsText = 0x1,
  kWsBinary = 0x2,
  kWsClose = 0x8,
  kWsPing = 0x9,
  kWsPong = 0xA,
};

// KEY is the base64 of 16 random bytes (Sec-WebSocket-Key).
std::string make_upgrade_request(std::string_view host_port, std::string_view path, std::string_view protocol,
                                 std::string_view key);

// HEAD is the response up to and including the blank line. OK when it is "101", accepts KEY
// (Sec-WebSocket-Accept) and selected PROTOCOL; otherwise unavailable with the status line.
Status check_upgrade_response(std::string_view head, std::string_view key, std::string_view protocol);

// One final frame, masked with MASK as every client frame must be.
std::string encode_client_frame(WsOpcode opcode, std::string_view payload, uint32_t mask);

struct WsFrame {
  uint8_t opcode = 0;
  bool fin = false;
  std::string_view payload;  // points into the parsed buffer
};

enum class WsParse { frame, need_more, invalid };

// Parses the frame at the start of BUFFER. On `frame`, *CONSUMED is its size in bytes. A masked
// server frame, reserved bits, or a payload over MAX_PAYLOAD is `invalid`.
WsParse parse_server_frame(std::string_view buffer, size_t max_payload, WsFrame* frame, size_t* consumed);

}  // namespace corral::bench
