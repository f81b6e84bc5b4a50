// Turns one binary websocket frame into a corral.agent.v1.Envelope and back, and enforces the
// framing rules protobuf cannot express (a body is set, seq starts at 1). Used by both ends of
// the agent channel after MessageAssembler has produced a whole message.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "corral/agent/v1/agent.pb.h"

namespace corral::ws {

// invalid_argument when the bytes do not parse ("frame is not a valid Envelope"), carry nothing
// at all ("envelope has no body") or have seq 0 ("envelope seq is 0"). An envelope whose body is
// one this version does not know (a later v1 addition, so only unknown fields) decodes with no
// body set; receivers skip it (see carries_unknown_body).
Result<corral::agent::v1::Envelope> decode_envelope(std::string_view bytes);

// True for an envelope from a newer v1 peer whose body this build does not know.
bool carries_unknown_body(const corral::agent::v1::Envelope& envelope);

std::string encode_envelope(const corral::agent::v1::Envelope& envelope);

}  // namespace corral::ws
