#include "manager/net/ws_frames.h"

#include "common/ws/close_codes.h"

namespace corral::manager::wsframe {
namespace {

bool known_opcode(uint8_t op) {
  return op == kContinuation || op == kText || op == kBinary || op == kClose || op == kPing || op == kPong;
}

}  // namespace

FrameReader::Outcome FrameReader::fail(uint16_t code, std::string reason) {
  error_code_ = code;
  error_reason_ = std::move(reason);
  buffer_.clear();
  buffer_.shrink_to_fit();
  return Outcome::error;
}

FrameReader::Outcome FrameReader::next(Frame* out) {
  if (error_code_ != 0) return Outcome::error;
  if (buffer_.size() < 2) return Outcome::need_more;
  const auto* b = reinterpret_cast<const uint8_t*>(buffer_.data());
  const bool fin = (b[0] & 0x80) != 0;
  const uint8_t opcode = b[0] & 0x0f;
  // Everything below is RFC 6455 section 5: a server closes with 1002 on any of it.
  if ((b[0] & 0x70) != 0) return fail(ws::kCloseFramingError, "reserved bits set (no extension was agreed)");
  if (!known_opcode(opcode)) return fail(ws::kCloseFramingError, "unknown opcode " + std::to_string(opcode));
  if ((b[1] & 0x80) == 0) return fail(ws::kCloseFramingError, "unmasked client frame");
  uint64_t length = b[1] & 0x7f;
  const bool control = (opcode & 0x8) != 0;
  if (control && (!fin || length > 125)) {
    return fail(ws::kCloseFramingError, "control frame fragmented or longer than 125 bytes");
  }
  size_t header = 2;
  if (length == 126) {
    if (buffer_.size() < 4) return Outcome::need_more;
    length = (uint64_t{b[2]} << 8) | b[3];
    header = 4;
  } else if (length == 127) {
    if (buffer_.size() < 10) return Outcome::need_more;
    if (b[2] & 0x80) return fail(ws::kCloseFramingError, "frame length with its top bit set");
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | b[2 + i];
    header = 10;
  }
  if (length > max_payload_) {
    return fail(ws::kCloseMessageTooBig, "message larger than " + std::to_string(max_payload_) + " bytes");
  }
  const size_t mask_at = header;
  header += 4;
  if (buffer_.size() < header + length) return Outcome::need_more;
  out->opcode = opcode;
  out->fin = fin;
  out->payload.assign(buffer_, header, static_cast<size_t>(length));
  const auto* mask = reinterpret_cast<const uint8_t*>(buffer_.data()) + mask_at;
  for (size_t i = 0; i < out->payload.size(); ++i) out->payload[i] = static_cast<char>(out->payload[i] ^ mask[i % 4]);
  buffer_.erase(0, header + static_cast<size_t>(length));
  return Outcome::frame;
}

std::string server_frame(uint8_t opcode, std::string_view payload, size_t headroom) {
  std::string out(headroom, '\0');
  out.reserve(headroom + 10 + payload.size());
  out.push_back(static_cast<char>(0x80 | opcode));
  const size_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(n));
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  } else {
    out.push_back(static_cast<char>(127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((uint64_t{n} >> (8 * i)) & 0xff));
  }
  out.append(payload);
  return out;
}

std::string close_payload(uint16_t code, std::string_view reason) {
  std::string out;
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xff));
  out.append(reason.substr(0, 123));
  return out;
}

}  // namespace corral::manager::wsframe
