// The websocket opening handshake on the agent listener (RFC 6455 section 4.2), as a pure
// function of the bytes received: not enough yet, refused (with the HTTP answer to send before
// closing), or accepted (with the 101 answer). The agent listener serves one path and one
// subprotocol, and refuses an upgrade that does not ask for it: a client that did not say it
// speaks corral.agent.v1 gets no websocket.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace corral::manager {

struct WsUpgrade {
  enum class Outcome { need_more, accepted, refused };
  Outcome outcome = Outcome::need_more;
  std::string response;  // the bytes to send: 101, or the refusal
  std::string why;       // refused: for the log
  size_t consumed = 0;   // accepted: bytes of the request; what follows is websocket frames
};

// Requests larger than this are refused (431) without waiting for their end.
inline constexpr size_t kMaxUpgradeRequestBytes = 8192;

WsUpgrade parse_ws_upgrade(std::string_view received, std::string_view path, std::string_view subprotocol);

// A refusal with STATUS and its reason phrase TEXT, answered before the connection closes.
WsUpgrade ws_upgrade_refusal(int status, std::string_view text, std::string why);

}  // namespace corral::manager
