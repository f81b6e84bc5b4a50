#include "common/ws/envelope_codec.h"

#include <climits>

namespace corral::ws {

using corral::agent::v1::Envelope;

Result<Envelope> decode_envelope(std::string_view bytes) {
  Envelope envelope;
  // ParseFromArray takes an int; the assembler's limit keeps real frames far below this.
  if (bytes.size() > static_cast<size_t>(INT_MAX) ||
      !envelope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return error(ErrorCode::invalid_argument, "frame is not a valid Envelope");
  }
  if (envelope.body_case() == Envelope::BODY_NOT_SET) {
    // Unknown fields mean a newer peer sent a body this build does not know; say so, since the
    // fix is an upgrade rather than a bug hunt.
    if (!envelope.GetReflection()->GetUnknownFields(envelope).empty()) {
      return error(ErrorCode::invalid_argument, "envelope has no body (it carries fields unknown to this version)");
    }
    return error(ErrorCode::invalid_argument, "envelope has no body");
  }
  if (envelope.seq() == 0) return error(ErrorCode::invalid_argument, "envelope seq is 0");
  return envelope;
}

std::string encode_envelope(const Envelope& envelope) { return envelope.SerializeAsString(); }

}  // namespace corral::ws
