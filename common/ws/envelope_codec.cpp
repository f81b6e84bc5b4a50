#include "common/ws/envelope_codec.h"

#include <climits>

namespace corral::ws {

using corral::agent::v1::Envelope;

bool carries_unknown_body(const Envelope& envelope) {
  return envelope.body_case() == Envelope::BODY_NOT_SET &&
         !envelope.GetReflection()->GetUnknownFields(envelope).empty();
}

Result<Envelope> decode_envelope(std::string_view bytes) {
  Envelope envelope;
  // ParseFromArray takes an int; the assembler's limit keeps real frames far below this.
  if (bytes.size() > static_cast<size_t>(INT_MAX) ||
      !envelope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return error(ErrorCode::invalid_argument, "frame is not a valid Envelope");
  }
  // A body added to v1 after this build arrives as unknown fields: it is valid, and the receiver
  // skips it (docs/protocol.md, compatibility rules). Only an envelope with nothing in it is not.
  if (envelope.body_case() == Envelope::BODY_NOT_SET && !carries_unknown_body(envelope)) {
    return error(ErrorCode::invalid_argument, "envelope has no body");
  }
  if (envelope.seq() == 0) return error(ErrorCode::invalid_argument, "envelope seq is 0");
  return envelope;
}

std::string encode_envelope(const Envelope& envelope) { return envelope.SerializeAsString(); }

}  // namespace corral::ws
