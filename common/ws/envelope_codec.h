// Turns one binary websocket frame into a corral.agent.v1.Envelope and back, and enforces the
// framing rules protobuf cannot express (a body is set, seq starts at 1). Used by both ends of
// the agent channel after MessageAssembler has produced a whole message.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "corral/agent/v1/agent.pb.h"

namespace corral::ws {

// invalid_argument when the bytes do not parse ("frame is not a valid Envelope"), carry no body
// ("envelope has no body"; a body added in a later protocol version also reads as none here) or
// have seq 0 ("envelope seq is 0").
Result<corral::agent::v1::Envelope> decode_envelope(std::string_view bytes);

std::string encode_envelope(const corral::agent::v1::Envelope& envelope);

}  // namespace corral::ws
