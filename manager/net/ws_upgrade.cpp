#include "manager/net/ws_upgrade.h"

#include <openssl/evp.h>

#include <cctype>
#include <map>

#include "common/encoding.h"

namespace corral::manager {
namespace {

constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// True when the comma-separated LIST has ITEM (compared case-insensitively when FOLD).
bool list_has(std::string_view list, std::string_view item, bool fold) {
  while (true) {
    size_t comma = list.find(',');
    std::string_view entry = trim(list.substr(0, comma));
    if (fold ? lower(entry) == lower(item) : entry == item) return true;
    if (comma == std::string_view::npos) return false;
    list.remove_prefix(comma + 1);
  }
}

WsUpgrade refuse(int status, std::string_view text, std::string why, std::string_view extra_header = "") {
  WsUpgrade out;
  out.outcome = WsUpgrade::Outcome::refused;
  out.why = std::move(why);
  out.response = "HTTP/1.1 " + std::to_string(status) + " " + std::string(text) + "\r\n" + std::string(extra_header) +
                 "content-length: 0\r\nconnection: close\r\n\r\n";
  return out;
}

std::string accept_key(std::string_view key) {
  std::string input = std::string(key) + std::string(kAcceptGuid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(input.data(), input.size(), digest, &n, EVP_sha1(), nullptr);
  return base64_encode(std::string_view(reinterpret_cast<const char*>(digest), n));
}

}  // namespace

WsUpgrade ws_upgrade_refusal(int status, std::string_view text, std::string why) {
  return refuse(status, text, std::move(why));
}

WsUpgrade parse_ws_upgrade(std::string_view received, std::string_view path, std::string_view subprotocol) {
  size_t end = received.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (received.size() > kMaxUpgradeRequestBytes) {
      return refuse(431, "Request Header Fields Too Large", "request too large");
    }
    return {};
  }
  if (end + 4 > kMaxUpgradeRequestBytes) return refuse(431, "Request Header Fields Too Large", "request too large");
  std::string_view head = received.substr(0, end);
  size_t line_end = head.find("\r\n");
  std::string_view request_line = head.substr(0, line_end);
  size_t sp1 = request_line.find(' ');
  size_t sp2 = request_line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return refuse(400, "Bad Request", "malformed request line");
  std::string_view method = request_line.substr(0, sp1);
  std::string_view target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (request_line.substr(sp2 + 1) != "HTTP/1.1") return refuse(400, "Bad Request", "not HTTP/1.1");
  if (target.substr(0, target.find('?')) != path) return refuse(404, "Not Found", "wrong path");
  if (method != "GET") return refuse(405, "Method Not Allowed", "not GET", "allow: GET\r\n");

  std::map<std::string, std::string> headers;  // lower-case names; repeated ones joined by ","
  std::string_view rest = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
  while (!rest.empty()) {
    size_t next = rest.find("\r\n");
    std::string_view line = rest.substr(0, next);
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return refuse(400, "Bad Request", "malformed header line");
    std::string& value = headers[lower(line.substr(0, colon))];
    if (!value.empty()) value += ",";
    value += trim(line.substr(colon + 1));
  }
  if (!list_has(headers["upgrade"], "websocket", true) || !list_has(headers["connection"], "upgrade", true)) {
    return refuse(400, "Bad Request", "not a websocket upgrade");
  }
  if (headers["sec-websocket-version"] != "13") {
    return refuse(426, "Upgrade Required", "websocket version is not 13", "sec-websocket-version: 13\r\n");
  }
  const std::string& key = headers["sec-websocket-key"];
  std::optional<std::string> nonce = base64_decode(key);
  if (!nonce || nonce->size() != 16) return refuse(400, "Bad Request", "bad Sec-WebSocket-Key");
  // Without this lws used to hand the first protocol to a client that asked for none.
  if (!list_has(headers["sec-websocket-protocol"], subprotocol, false)) {
    return refuse(400, "Bad Request", "websocket subprotocol " + std::string(subprotocol) + " not requested");
  }
  WsUpgrade out;
  out.outcome = WsUpgrade::Outcome::accepted;
  out.consumed = end + 4;
  out.response =
      "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
      "sec-websocket-accept: " +
      accept_key(key) + "\r\nsec-websocket-protocol: " + std::string(subprotocol) + "\r\n\r\n";
  return out;
}

}  // namespace corral::manager
