// What the listeners refuse: foreign or missing client certificates, plaintext, revoked agents,
// API calls without a valid admin token, websockets without the corral subprotocol, TLS 1.2
// without an AEAD suite, and sockets that hold handshake slots without saying anything.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/files.h"
#include "common/tls/certificate_authority.h"
#include "common/tls/keys.h"
#include "tests/integration/harness/enroll_client.h"
#include "tests/integration/harness/fleet_test.h"
#include "tests/integration/harness/raw_client.h"

namespace corral::testing {
namespace {

using namespace std::chrono_literals;

constexpr uint16_t kCloseRevokedCode = 4003;
constexpr char kCbcSuites[] = "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES128-SHA:AES128-SHA";

class HandshakeTest : public FleetTest {};

TEST_F(HandshakeTest, ClientCertificateFromAnotherCaIsRefusedAtTheHandshake) {
  auto m = start_manager();
  auto other_ca = tls::CertificateAuthority::create("Some other CA", 30);
  ASSERT_TRUE(other_ca.ok());
  auto key = tls::generate_private_key_pem();
  auto csr = tls::create_csr_pem(*key, "intruder");
  auto cert = other_ca->sign_client_csr(*csr, "00000000-0000-4000-8000-000000000000", 30);
  ASSERT_TRUE(cert.ok());

  TlsClientOptions options{m->ca_pem(), cert->certificate_pem, *key};
  auto conn = TlsConnection::connect(m->agent_port(), options);
  // TLS 1.3 lets the client finish before the server judges its certificate: the refusal then
  // arrives as an alert on the first read.
  if (conn.ok()) {
    EXPECT_TRUE((*conn)->refused(5s)) << "server accepted a certificate from another CA";
    EXPECT_NE((*conn)->last_error().find("alert"), std::string::npos) << (*conn)->last_error();
  }
  auto ws = RawWebSocket::open(m->agent_port(), options);
  EXPECT_FALSE(ws.ok());
}

TEST_F(HandshakeTest, MissingClientCertificateIsRefused) {
  auto m = start_manager();
  auto ws = RawWebSocket::open(m->agent_port(), TlsClientOptions{m->ca_pem(), "", ""});
  ASSERT_FALSE(ws.ok());
}

TEST_F(HandshakeTest, PlaintextIsRefusedOnBothListeners) {
  auto m = start_manager();
  for (int port : {m->agent_port(), m->api_port()}) {
    auto answer = plaintext_exchange(port, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", 3s);
    ASSERT_TRUE(answer.ok());
    EXPECT_EQ(answer->find("HTTP/1.1 200"), std::string::npos) << "port " << port << " answered plaintext";
    EXPECT_EQ(answer->find("\"status\""), std::string::npos) << "port " << port << " served JSON over plaintext";
  }
}

TEST_F(HandshakeTest, ListenersBindOnlyTheAddressGiven) {
  auto m = start_manager();  // both listeners on 127.0.0.1
  for (int port : {m->api_port(), m->agent_port()}) {
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_port = htons(static_cast<uint16_t>(port));
    addr.sin6_addr = in6addr_loopback;
    int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    close(fd);
    EXPECT_NE(rc, 0) << "port " << port << " is reachable on ::1 although bound to 127.0.0.1";
  }
}

TEST_F(HandshakeTest, ApiRequiresAValidAdminToken) {
  auto m = start_manager();
  auto no_token = m->call("GET", "/api/v1/agents", "", /*auth=*/false);
  ASSERT_TRUE(no_token.ok());
  EXPECT_EQ(no_token->status, 401);
  EXPECT_EQ(json_string_field(no_token->body, "reason"), "unauthenticated");

  http::Request r;
  r.url = m->api_url() + "/api/v1/agents";
  r.tls.ca_pem = m->ca_pem();
  std::string wrong = m->admin_token();
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
  r.headers.emplace_back("Authorization", "Bearer " + wrong);
  auto bad = http::perform(r);
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 401);

  auto good = m->call("GET", "/api/v1/agents");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->status, 200);
  // The health check needs no token.
  auto health = m->call("GET", "/healthz", "", false);
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
}

TEST_F(HandshakeTest, AgentListenerServesOnlyTheAgentWebsocket) {
  auto m = start_manager();
  auto identity = enroll_test_identity(*m, m->create_join_token(), "probe");
  ASSERT_TRUE(identity.ok()) << identity.status().message();
  TlsClientOptions options{m->ca_pem(), identity->certificate_pem, identity->private_key_pem};
  auto wrong_path = RawWebSocket::open(m->agent_port(), options, "/api/v1/agents");
  EXPECT_FALSE(wrong_path.ok());
  auto right = RawWebSocket::open(m->agent_port(), options);
  EXPECT_TRUE(right.ok()) << right.status().message();
}

TEST_F(HandshakeTest, RevokedAgentIsDisconnectedAndRefusedFromThenOn) {
  auto m = start_manager();
  Process agent = start_agent(*m, work_, "a1", m->create_join_token());
  ASSERT_TRUE(agent.wait_for_log("event=agent.welcome", 20s));
  std::string id = agent_id_from_log(agent);
  ASSERT_TRUE(eventually([&] { return m->agent_status(id) == "AGENT_STATUS_ONLINE"; }, 10s));

  auto r = m->call("DELETE", "/api/v1/agents/" + id);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json_string_field(r->body, "status"), "AGENT_STATUS_REVOKED");
  EXPECT_TRUE(agent.wait_for_log("event=agent.revoked", 10s)) << agent.log();
  EXPECT_TRUE(eventually([&] { return m->process().count_in_log("event=agent.disconnected") >= 1; }, 10s));

  // The agent's own certificate is refused from then on, even after a manager restart: the
  // websocket is closed with 4003 before any frame is read, so the agent knows why.
  auto cert = read_file(work_ + "/a1/agent.crt");
  auto key = read_file(work_ + "/a1/agent.key");
  ASSERT_TRUE(cert.ok() && key.ok());
  TlsClientOptions options{m->ca_pem(), *cert, *key};
  auto refused_with_4003 = [&] {
    auto ws = RawWebSocket::open(m->agent_port(), options);
    if (!ws.ok()) return false;
    auto code = (*ws)->wait_closed(5s);
    return code.ok() && *code == kCloseRevokedCode;
  };
  EXPECT_TRUE(refused_with_4003());
  const std::string connected = "event=agent.connected agent_id=" + id;
  int connected_before = m->process().count_in_log(connected);
  ASSERT_TRUE(m->restart());
  EXPECT_TRUE(refused_with_4003());
  EXPECT_EQ(m->agent_status(id), "AGENT_STATUS_REVOKED");
  EXPECT_EQ(m->process().count_in_log(connected), connected_before) << "a revoked agent must never reach the core";
  // The real agent, still running, hears 4003 too and knows it is revoked.
  EXPECT_GE(agent.count_in_log("event=agent.revoked"), 1);
}

TEST_F(HandshakeTest, WebsocketWithoutTheCorralSubprotocolIsRefused) {
  auto m = start_manager();
  auto identity = enroll_test_identity(*m, m->create_join_token(), "probe");
  ASSERT_TRUE(identity.ok()) << identity.status().message();
  TlsClientOptions options{m->ca_pem(), identity->certificate_pem, identity->private_key_pem};
  auto none = RawWebSocket::open(m->agent_port(), options, "/agent/v1", "");
  EXPECT_FALSE(none.ok()) << "an upgrade without Sec-WebSocket-Protocol was accepted";
  auto other = RawWebSocket::open(m->agent_port(), options, "/agent/v1", "chat, superchat");
  EXPECT_FALSE(other.ok());
  auto listed = RawWebSocket::open(m->agent_port(), options, "/agent/v1", "chat, corral.agent.v1");
  EXPECT_TRUE(listed.ok()) << listed.status().message();
}

TEST_F(HandshakeTest, UnmaskedClientFrameIsClosedWith1002) {
  auto m = start_manager();
  auto identity = enroll_test_identity(*m, m->create_join_token(), "unmasked");
  ASSERT_TRUE(identity.ok()) << identity.status().message();
  auto ws = RawWebSocket::open(m->agent_port(),
                               TlsClientOptions{m->ca_pem(), identity->certificate_pem, identity->private_key_pem});
  ASSERT_TRUE(ws.ok()) << ws.status().message();
  ASSERT_TRUE((*ws)->send_unmasked_frame(2, "not masked").ok());
  auto code = (*ws)->wait_closed(10s);
  ASSERT_TRUE(code.ok()) << code.status().message();
  EXPECT_EQ(*code, 1002);
}

TEST_F(HandshakeTest, PollLoopListenerDoesTheSameHandshakeAndFraming) {
  // With event_loop: poll lws accepts agent connections itself; they must still be raw TLS
  // sockets whose websocket the transport speaks, exactly as with the manager's own listener.
  auto m = start_manager("m", "event_loop: poll\n");
  Process agent = start_agent(*m, work_, "a1", m->create_join_token());
  ASSERT_TRUE(agent.wait_for_log("event=agent.welcome", 20s)) << agent.log();
  auto identity = enroll_test_identity(*m, m->create_join_token(), "unmasked");
  ASSERT_TRUE(identity.ok()) << identity.status().message();
  TlsClientOptions options{m->ca_pem(), identity->certificate_pem, identity->private_key_pem};
  EXPECT_FALSE(RawWebSocket::open(m->agent_port(), options, "/agent/v1", "").ok());
  auto ws = RawWebSocket::open(m->agent_port(), options);
  ASSERT_TRUE(ws.ok()) << ws.status().message();
  ASSERT_TRUE((*ws)->send_unmasked_frame(2, "not masked").ok());
  auto code = (*ws)->wait_closed(10s);
  ASSERT_TRUE(code.ok()) << code.status().message();
  EXPECT_EQ(*code, 1002);
}

TEST_F(HandshakeTest, Tls12ClientOfferingOnlyCbcSuitesFailsTheHandshakeOnBothListeners) {
  auto m = start_manager();
  auto identity = enroll_test_identity(*m, m->create_join_token(), "cbc");
  ASSERT_TRUE(identity.ok()) << identity.status().message();
  TlsClientOptions options{m->ca_pem(), identity->certificate_pem, identity->private_key_pem};
  for (int port : {m->api_port(), m->agent_port()}) {
    options.tls12_only_ciphers = kCbcSuites;
    auto cbc = TlsConnection::connect(port, options);
    EXPECT_FALSE(cbc.ok()) << "port " << port << " accepted a CBC suite in TLS 1.2";
    options.tls12_only_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305";
    auto gcm = TlsConnection::connect(port, options);
    EXPECT_TRUE(gcm.ok()) << "port " << port << ": " << gcm.status().message();
  }
}

TEST_F(HandshakeTest, SilentSocketsFromOneAddressDoNotHoldTheAgentListener) {
  // Eight pending handshakes in all, four per address, and a second for a ClientHello: thirty
  // idle sockets from 127.0.0.2 would otherwise pause the listener with all eight slots held.
  auto m = start_manager(
      "m", "max_pending_handshakes: 8\nmax_pending_handshakes_per_address: 4\nclient_hello_timeout_seconds: 1\n");
  auto identity = enroll_test_identity(*m, m->create_join_token(), "real");
  ASSERT_TRUE(identity.ok()) << identity.status().message();
  std::vector<int> silent;
  for (int i = 0; i < 30; ++i) {
    auto fd = silent_connection(m->agent_port(), "127.0.0.2");
    ASSERT_TRUE(fd.ok()) << fd.status().message();
    silent.push_back(*fd);
  }
  // The real agent from another address is admitted and completes its handshake.
  auto ws = RawWebSocket::open(m->agent_port(),
                               TlsClientOptions{m->ca_pem(), identity->certificate_pem, identity->private_key_pem});
  EXPECT_TRUE(ws.ok()) << ws.status().message();
  // Every silent socket is closed by the manager: beyond four at once, the rest when their
  // second without a ClientHello is up (lws alone held such sockets for many seconds).
  int closed = 0;
  for (int fd : silent) closed += closed_by_server(fd, 10s) ? 1 : 0;
  for (int fd : silent) ::close(fd);
  EXPECT_EQ(closed, 30);
  EXPECT_TRUE(m->process().wait_for_log("event=listener.address_limited", 5s)) << m->process().log();
  EXPECT_TRUE(m->process().wait_for_log("event=listener.hello_timeout", 5s)) << m->process().log();
}

TEST_F(HandshakeTest, ManagerOnPortZeroHandsOutTheAgentPortItBound) {
  auto m = start_manager();
  ASSERT_GT(m->agent_port(), 0);
  Process agent = start_agent(*m, work_, "a1", m->create_join_token());
  ASSERT_TRUE(agent.wait_for_log("event=agent.welcome", 20s)) << agent.log();
  auto state = read_file(work_ + "/a1/enrollment.json");
  ASSERT_TRUE(state.ok());
  EXPECT_NE(state->find(":" + std::to_string(m->agent_port()) + "/agent/v1"), std::string::npos) << *state;
}

}  // namespace
}  // namespace corral::testing
