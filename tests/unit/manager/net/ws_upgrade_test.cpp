// The agent listener's websocket opening handshake: the RFC 6455 example key, the one path and
// the one subprotocol, and the refusals a client gets instead of a websocket.
#include "manager/net/ws_upgrade.h"

#include <gtest/gtest.h>

namespace corral::manager {
namespace {

std::string request(std::string_view path = "/agent/v1", std::string_view protocol = "corral.agent.v1",
                    std::string_view version = "13") {
  std::string r = "GET " + std::string(path) +
                  " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: " +
                  std::string(version) + "\r\n";
  if (!protocol.empty()) r += "Sec-WebSocket-Protocol: " + std::string(protocol) + "\r\n";
  return r + "\r\n";
}

WsUpgrade parse(const std::string& bytes) { return parse_ws_upgrade(bytes, "/agent/v1", "corral.agent.v1"); }

TEST(WsUpgradeTest, AcceptsWithTheRfcAcceptKeyAndNamesTheSubprotocol) {
  std::string bytes = request("/agent/v1", "chat, corral.agent.v1") + "\x82\x80";
  WsUpgrade u = parse(bytes);
  ASSERT_EQ(u.outcome, WsUpgrade::Outcome::accepted) << u.why;
  EXPECT_EQ(u.response.rfind("HTTP/1.1 101 ", 0), 0u);
  EXPECT_NE(u.response.find("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos) << u.response;
  EXPECT_NE(u.response.find("sec-websocket-protocol: corral.agent.v1\r\n"), std::string::npos);
  EXPECT_EQ(u.consumed, bytes.size() - 2) << "frame bytes after the request are left for the frame reader";
}

TEST(WsUpgradeTest, WaitsForTheWholeRequestButNotForever) {
  std::string bytes = request();
  EXPECT_EQ(parse(bytes.substr(0, bytes.size() - 1)).outcome, WsUpgrade::Outcome::need_more);
  std::string endless = "GET /agent/v1 HTTP/1.1\r\nX: " + std::string(kMaxUpgradeRequestBytes, 'a');
  WsUpgrade u = parse(endless);
  EXPECT_EQ(u.outcome, WsUpgrade::Outcome::refused);
  EXPECT_EQ(u.response.rfind("HTTP/1.1 431 ", 0), 0u);
}

TEST(WsUpgradeTest, RefusesWhatIsNotACorralAgentUpgrade) {
  struct Case {
    std::string bytes;
    const char* status;
  };
  const Case cases[] = {
      {request("/agent/v1", ""), "400"},                       // no subprotocol asked for
      {request("/agent/v1", "chat, corral.agent.v2"), "400"},  // another one
      {request("/api/v1/agents"), "404"},
      {request("/agent/v1", "corral.agent.v1", "8"), "426"},
      {"GET /agent/v1 HTTP/1.1\r\nHost: x\r\n\r\n", "400"},  // plain GET
      {"POST /agent/v1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "405"},
      {"nonsense\r\n\r\n", "400"},
  };
  for (const Case& c : cases) {
    WsUpgrade u = parse(c.bytes);
    EXPECT_EQ(u.outcome, WsUpgrade::Outcome::refused) << c.bytes;
    EXPECT_EQ(u.response.rfind(std::string("HTTP/1.1 ") + c.status, 0), 0u) << c.bytes << "\n" << u.response;
    EXPECT_NE(u.response.find("connection: close"), std::string::npos);
  }
}

}  // namespace
}  // namespace corral::manager
