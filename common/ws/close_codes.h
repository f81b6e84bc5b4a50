// Websocket close codes on the agent channel, for both ends: the manager and the agent include
// this one definition (docs/protocol.md, "Close codes"). 1000-1015 are RFC 6455's; 4000-4999 are
// the private range, Corral's own.
#pragma once

#include <cstdint>

namespace corral::ws {

inline constexpr uint16_t kCloseNormal = 1000;
inline constexpr uint16_t kCloseGoingAway = 1001;
// Broken websocket framing (RFC 6455 "protocol error"): a bad fragment sequence, an unmasked
// client frame.
inline constexpr uint16_t kCloseFramingError = 1002;
inline constexpr uint16_t kCloseUnsupportedData = 1003;  // a text frame
inline constexpr uint16_t kCloseInvalidPayload = 1007;   // an undecodable envelope
inline constexpr uint16_t kClosePolicyViolation = 1008;  // too many frames queued for the peer
inline constexpr uint16_t kCloseMessageTooBig = 1009;

// The Corral protocol was broken by a well-formed frame: the first frame was not Hello, a second
// Hello, seq did not increase, a message the sender may not send. Either side sends it.
inline constexpr uint16_t kCloseProtocolError = 4002;
// The manager revoked the agent's certificate, or does not know the agent.
inline constexpr uint16_t kCloseRevoked = 4003;
// The agent opened a newer connection; this one is closed.
inline constexpr uint16_t kCloseReplaced = 4009;

}  // namespace corral::ws
