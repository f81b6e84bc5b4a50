// Server side of RFC 6455 framing for the agent listener. The manager does its own websocket
// framing there because libwebsockets 4.1 accepts what a server must refuse (an unmasked client
// frame, among others) and tells the callback nothing about it. FrameReader is a pure decoder:
// bytes in, whole frames or one error out; the transport does the I/O. Not thread-safe: one per
// connection, on the network thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace corral::manager::wsframe {

inline constexpr uint8_t kContinuation = 0x0;
inline constexpr uint8_t kText = 0x1;
inline constexpr uint8_t kBinary = 0x2;
inline constexpr uint8_t kClose = 0x8;
inline constexpr uint8_t kPing = 0x9;
inline constexpr uint8_t kPong = 0xA;

struct Frame {
  uint8_t opcode = 0;
  bool fin = false;
  std::string payload;  // unmasked
};

class FrameReader {
 public:
  // A frame whose declared payload exceeds MAX_PAYLOAD_BYTES is refused from its header (1009),
  // before its payload is buffered.
  explicit FrameReader(size_t max_payload_bytes) : max_payload_(max_payload_bytes) {}

  enum class Outcome { frame, need_more, error };

  void append(std::string_view bytes) { buffer_.append(bytes); }
  // The next whole frame, if the bytes appended so far hold one. After error, error_code() and
  // error_reason() say what to close with, and every later call returns error again.
  Outcome next(Frame* out);

  uint16_t error_code() const { return error_code_; }
  const std::string& error_reason() const { return error_reason_; }

 private:
  Outcome fail(uint16_t code, std::string reason);

  size_t max_payload_;
  std::string buffer_;
  uint16_t error_code_ = 0;
  std::string error_reason_;
};

// A server frame (unmasked, final) with HEADROOM zero bytes in front (lws wants LWS_PRE).
std::string server_frame(uint8_t opcode, std::string_view payload, size_t headroom);
// The payload of a close frame: the code, then the reason cut to fit 125 bytes.
std::string close_payload(uint16_t code, std::string_view reason);

}  // namespace corral::manager::wsframe
