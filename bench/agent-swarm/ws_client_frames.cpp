#include "bench/agent-swarm/ws_client_frames.h"

#include <openssl/evp.h>

#include "common/encoding.h"
#include "common/text.h"

namespace corral::bench {
namespace {

constexpr char kAcceptGuid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// The value of header NAME in HEAD (case-insensitive name), or empty.
std::string_view header_value(std::string_view head, std::string_view name) {
  size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    size_t start = pos + 2;
    size_t end = head.find("\r\n", start);
    if (end == std::string_view::npos) end = head.size();
    std::string_view line = head.substr(start, end - start);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos && ascii_iequals(trim_whitespace(line.substr(0, colon)), name)) {
      return trim_whitespace(line.substr(colon + 1));
    }
    pos = end;
  }
  return {};
}

std::string expected_accept(std::string_view key) {
  std::string text = std::string(key) + kAcceptGuid;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha1(), nullptr);
  return base64_encode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace

std::string make_upgrade_request(std::string_view host_port, std::string_view path, std::string_view protocol,
                                 std::string_view key) {
  std::string r;
  r.reserve(256);
  r.append("GET ").append(path).append(" HTTP/1.1\r\n");
  r.append("Host: ").append(host_port).append("\r\n");
  r.append("Upgrade: websocket\r\nConnection: Upgrade\r\n");
  r.append("Sec-WebSocket-Key: ").append(key).append("\r\n");
  r.append("Sec-WebSocket-Version: 13\r\n");
  r.append("Sec-WebSocket-Protocol: ").append(protocol).append("\r\n\r\n");
  return r;
}

Status check_upgrade_response(std::string_view head, std::string_view key, std::string_view protocol) {
  std::string_view status_line = head.substr(0, head.find("\r\n"));
  if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/" || status_line.substr(9, 3) != "101") {
    return error(ErrorCode::unavailable, "websocket upgrade refused: " + std::string(status_line));
  }
  if (header_value(head, "Sec-WebSocket-Accept") != expected_accept(key)) {
    return error(ErrorCode::unavailable, "websocket upgrade: wrong Sec-WebSocket-Accept");
  }
  if (header_value(head, "Sec-WebSocket-Protocol") != protocol) {
    return error(ErrorCode::unavailable, "websocket upgrade: subprotocol " + std::string(protocol) + " not selected");
  }
  return {};
}

std::string encode_client_frame(WsOpcode opcode, std::string_view payload, uint32_t mask) {
  std::string f;
  f.reserve(payload.size() + 14);
  f.push_back(static_cast<char>(0x80 | opcode));
  uint64_t n = payload.size();
  if (n < 126) {
    f.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xFFFF) {
    f.push_back(static_cast<char>(0x80 | 126));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n & 0xFF));
  } else {
    f.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) f.push_back(static_cast<char>((n >> shift) & 0xFF));
  }
  char key[4] = {static_cast<char>(mask >> 24), static_cast<char>(mask >> 16), static_cast<char>(mask >> 8),
                 static_cast<char>(mask)};
  f.append(key, 4);
  for (size_t i = 0; i < payload.size(); ++i) f.push_back(static_cast<char>(payload[i] ^ key[i & 3]));
  return f;
}

WsParse parse_server_frame(std::string_view buffer, size_t max_payload, WsFrame* frame, size_t* consumed) {
  if (buffer.size() < 2) return WsParse::need_more;
  auto byte = [&](size_t i) { return static_cast<uint8_t>(buffer[i]); };
  if (byte(0) & 0x70) return WsParse::invalid;  // RSV bits: no extension was negotiated
  if (byte(1) & 0x80) return WsParse::invalid;  // servers never mask
  uint64_t length = byte(1) & 0x7F;
  size_t header = 2;
  if (length == 126) {
    if (buffer.size() < 4) return WsParse::need_more;
    length = (uint64_t{byte(2)} << 8) | byte(3);
    header = 4;
  } else if (length == 127) {
    if (buffer.size() < 10) return WsParse::need_more;
    length = 0;
    for (size_t i = 2; i < 10; ++i) length = (length << 8) | byte(i);
    header = 10;
  }
  if (length > max_payload) return WsParse::invalid;
  if (buffer.size() < header + length) return WsParse::need_more;
  frame->fin = (byte(0) & 0x80) != 0;
  frame->opcode = byte(0) & 0x0F;
  frame->payload = buffer.substr(header, static_cast<size_t>(length));
  *consumed = header + static_cast<size_t>(length);
  return WsParse::frame;
}

}  // namespace corral::bench
