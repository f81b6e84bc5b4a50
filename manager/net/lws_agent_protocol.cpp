// The agent websocket on the agent listener. lws adopts each connection as a raw TLS socket; by
// the time a byte reaches these callbacks, OpenSSL has verified the client certificate against the
// manager's CA (the vhost requires one), so every byte here comes from an enrolled agent. The
// websocket handshake and framing are done here (ws_upgrade.h, ws_frames.h). The agent id is the
// certificate's common name.
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cstring>
#include <string_view>

#include "common/log.h"
#include "common/ws/envelope_codec.h"
#include "manager/net/listener.h"
#include "manager/net/lws_transport_impl.h"
#include "manager/net/ws_upgrade.h"

namespace corral::manager {
namespace {

constexpr char kAgentPath[] = "/agent/v1";
constexpr std::string_view kSubprotocol = "corral.agent.v1";

struct PeerIdentity {
  std::string common_name;
  std::string serial_hex;
};

std::optional<PeerIdentity> peer_identity(lws* wsi) {
  SSL* ssl = lws_get_ssl(wsi);
  if (!ssl) return std::nullopt;
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (!cert) return std::nullopt;
  PeerIdentity id;
  char cn[256];
  int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  if (n <= 0) return std::nullopt;
  id.common_name.assign(cn, static_cast<size_t>(n));
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (!bn) return std::nullopt;
  char* hex = BN_bn2hex(bn);
  BN_free(bn);
  if (!hex) return std::nullopt;
  for (char* p = hex; *p; ++p) *p = static_cast<char>(std::tolower(static_cast<unsigned char>(*p)));
  id.serial_hex = hex;
  OPENSSL_free(hex);
  return id;
}

std::string peer_address(lws* wsi) {
  char buf[128] = {0};
  lws_get_peer_simple(wsi, buf, sizeof buf);
  return printable_peer_address(buf);
}

}  // namespace

// lws hands OpenSSL's verdict to this callback and uses our answer instead of it (0 = accept), so
// the chain check against the manager CA only holds if we pass preverify_ok on.
int LwsTransport::Impl::verify_client_certificate(X509_STORE_CTX* store, bool preverified) {
  if (preverified) return 0;
  int err = X509_STORE_CTX_get_error(store);
  log::warn("agent.refused", {{"reason", std::string("client certificate: ") + X509_verify_cert_error_string(err)},
                              {"depth", X509_STORE_CTX_get_error_depth(store)}});
  return 1;
}

// lws 4.1 loads no verification CA into a server vhost from memory, so without this every client
// certificate would fail the chain check (and the manager CA is the only one that may pass it).
bool LwsTransport::Impl::trust_agent_ca(SSL_CTX* ctx) {
  BIO* bio = BIO_new_mem_buf(options_.ca_certificate_pem.data(), static_cast<int>(options_.ca_certificate_pem.size()));
  X509* ca = bio ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  bool ok = ca && X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca) == 1 && SSL_CTX_add_client_CA(ctx, ca) == 1;
  X509_free(ca);
  if (!ok) log::error("listener.ca_load_failed", {{"listener", "agent"}});
  // Agents hold one long connection and never resume a session, so issuing TLS 1.3 tickets and
  // caching sessions is pure cost: the ticket work was 15 % of a handshake under a storm.
  SSL_CTX_set_num_tickets(ctx, 0);
  // lws switches a connection to the SSL_CTX of the first vhost whose listen port matches when
  // the client sends SNI. Both vhosts adopt sockets accepted by the manager (no lws listen port),
  // so that would hand agent connections to the API vhost's context, which trusts no client CA.
  // The agent listener has one identity; SNI selects nothing here.
  SSL_CTX_set_tlsext_servername_callback(ctx, nullptr);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  return ok;
}

int LwsTransport::Impl::agent_callback(lws* wsi, lws_callback_reasons reason, SessionData* session, void* in,
                                       size_t len) {
  switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED: drain_inbox(); return 0;

    case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
      return trust_agent_ca(static_cast<SSL_CTX*>(static_cast<void*>(session))) ? 0 : 1;

    case LWS_CALLBACK_RAW_ADOPT: {
      // Before the TLS handshake: the identity comes with the upgrade request.
      ConnId conn = next_conn_id();
      session->conn = conn;
      AgentConnection& a = agents_[conn];
      a.wsi = wsi;
      a.peer = peer_address(wsi);
      return 0;
    }

    case LWS_CALLBACK_RAW_RX: {
      auto it = agents_.find(session->conn);
      if (it == agents_.end()) return -1;
      AgentConnection& a = it->second;
      if (a.hang_up || a.close_code != 0) return 0;  // closing: the rest does not matter
      if (!a.upgraded) return agent_upgrade(a, session->conn, static_cast<const char*>(in), len);
      a.reader->append(std::string_view(static_cast<const char*>(in), len));
      return agent_frames(a, session->conn);
    }

    case LWS_CALLBACK_RAW_WRITEABLE: return agent_writable(wsi, session);

    case LWS_CALLBACK_RAW_CLOSE:
    case LWS_CALLBACK_WSI_DESTROY:
      // A connection that failed its TLS handshake is destroyed without RAW_CLOSE.
      agent_gone(wsi, session);
      return 0;

    default: return 0;
  }
}

void LwsTransport::Impl::agent_gone(lws* wsi, SessionData* session) {
  handshake_finished(wsi);
  if (!session || !session->conn) return;
  ConnId conn = session->conn;
  session->conn = 0;
  auto it = agents_.find(conn);
  if (it == agents_.end()) return;
  bool announced = it->second.announced;
  std::string why = it->second.close_reason.empty() ? "connection closed" : it->second.close_reason;
  agents_.erase(it);
  if (announced) queue_event(AgentClosed{conn, why});
  if (shutting_down_ && agents_.empty()) end_loop();
}

int LwsTransport::Impl::agent_upgrade(AgentConnection& a, ConnId conn, const char* data, size_t len) {
  a.request.append(data, len);
  WsUpgrade upgrade = parse_ws_upgrade(a.request, kAgentPath, kSubprotocol);
  if (upgrade.outcome == WsUpgrade::Outcome::need_more) return 0;
  // Frames the client sent right behind its request.
  std::string rest = a.request.substr(std::min(upgrade.consumed, a.request.size()));
  a.request.clear();
  a.request.shrink_to_fit();
  std::optional<PeerIdentity> id;
  if (upgrade.outcome == WsUpgrade::Outcome::accepted) {
    id = peer_identity(a.wsi);
    if (!id) upgrade = ws_upgrade_refusal(403, "Forbidden", "no usable client certificate");
  }
  a.handshake = std::move(upgrade.response);
  lws_callback_on_writable(a.wsi);
  handshake_finished(a.wsi);
  if (upgrade.outcome == WsUpgrade::Outcome::refused) {
    log::warn("agent.refused", {{"reason", upgrade.why}, {"peer", a.peer}});
    a.hang_up = true;
    return 0;
  }
  // The handshake is done: lws's "establish" timeout no longer applies to a long-lived agent.
  lws_set_timeout(a.wsi, NO_PENDING_TIMEOUT, 0);
  a.upgraded = true;
  a.agent_id = std::move(id->common_name);
  a.serial = std::move(id->serial_hex);
  a.reader.emplace(options_.max_frame_bytes);
  a.assembler.emplace(options_.max_frame_bytes);
  if (revoked_serials_.count(a.serial)) {
    // Completing the upgrade only to close with 4003 lets the agent tell revocation apart from a
    // network fault; the core never hears of this connection.
    log::warn("agent.refused", {{"reason", "certificate revoked"}, {"agent_id", a.agent_id}, {"peer", a.peer}});
    a.close_code = kCloseRevoked;
    a.close_reason = "certificate revoked";
    return 0;
  }
  a.announced = true;
  queue_event(AgentConnected{conn, a.agent_id, a.serial, a.peer});
  if (rest.empty()) return 0;
  a.reader->append(rest);
  return agent_frames(a, conn);
}

int LwsTransport::Impl::agent_frames(AgentConnection& a, ConnId conn) {
  wsframe::Frame frame;
  while (a.close_code == 0) {
    switch (a.reader->next(&frame)) {
      case wsframe::FrameReader::Outcome::need_more: return 0;
      case wsframe::FrameReader::Outcome::error:
        agent_refuse(a, conn, a.reader->error_code(), a.reader->error_reason());
        return 0;
      case wsframe::FrameReader::Outcome::frame: break;
    }
    switch (frame.opcode) {
      case wsframe::kPing:
        // Agents ping after 30 s of silence and hang up without an answer.
        a.outbox.push_back(wsframe::server_frame(wsframe::kPong, frame.payload, LWS_PRE));
        lws_callback_on_writable(a.wsi);
        break;
      case wsframe::kPong: break;
      case wsframe::kClose: {
        // Answer with the agent's own code, then close.
        uint16_t code = frame.payload.size() >= 2
                            ? static_cast<uint16_t>((static_cast<uint8_t>(frame.payload[0]) << 8) |
                                                    static_cast<uint8_t>(frame.payload[1]))
                            : ws::kCloseNormal;
        a.outbox.clear();
        a.close_code = code;
        a.close_reason = "closed by the agent";
        lws_callback_on_writable(a.wsi);
        return 0;
      }
      default:
        if (int rc = agent_message(a, conn, frame); rc != 0) return rc;
    }
  }
  return 0;
}

int LwsTransport::Impl::agent_message(AgentConnection& a, ConnId conn, const wsframe::Frame& frame) {
  bool first = frame.opcode != wsframe::kContinuation;
  if (frame.opcode == wsframe::kText) {
    agent_refuse(a, conn, ws::kCloseUnsupportedData, "text frames are not part of corral.agent.v1");
    return 0;
  }
  switch (a.assembler->append(frame.payload, first, frame.fin)) {
    case ws::MessageAssembler::Outcome::need_more: return 0;
    case ws::MessageAssembler::Outcome::too_large:
      agent_refuse(a, conn, ws::kCloseMessageTooBig,
                   "message larger than " + std::to_string(options_.max_frame_bytes) + " bytes");
      return 0;
    case ws::MessageAssembler::Outcome::protocol_error:
      agent_refuse(a, conn, ws::kCloseFramingError, "bad fragment sequence");
      return 0;
    case ws::MessageAssembler::Outcome::complete: break;
  }
  Result<corral::agent::v1::Envelope> envelope = ws::decode_envelope(a.assembler->message());
  if (!envelope.ok()) {
    agent_refuse(a, conn, ws::kCloseInvalidPayload, envelope.status().message());
    return 0;
  }
  queue_event(AgentEnvelope{conn, std::move(envelope).value()});
  return 0;
}

void LwsTransport::Impl::agent_refuse(AgentConnection& a, ConnId conn, uint16_t code, const std::string& why) {
  log::warn("agent.frame_rejected", {{"agent_id", a.agent_id}, {"conn", conn}, {"reason", why}});
  a.outbox.clear();
  a.close_code = code;
  a.close_reason = why;
  lws_callback_on_writable(a.wsi);
}

int LwsTransport::Impl::agent_writable(lws* wsi, SessionData* session) {
  auto it = agents_.find(session->conn);
  if (it == agents_.end()) return -1;
  AgentConnection& a = it->second;
  auto write = [&](std::string& bytes, size_t headroom) {
    size_t n = bytes.size() - headroom;
    return lws_write(wsi, reinterpret_cast<unsigned char*>(bytes.data()) + headroom, n, LWS_WRITE_RAW) ==
           static_cast<int>(n);
  };
  // One write per callback; lws keeps what the socket does not take and sends it before more.
  if (!a.handshake.empty()) {
    std::string response = std::move(a.handshake);
    a.handshake.clear();
    response.insert(0, LWS_PRE, '\0');
    if (!write(response, LWS_PRE) || a.hang_up) return -1;
    if (!a.outbox.empty() || a.close_code != 0) lws_callback_on_writable(wsi);
    return 0;
  }
  if (a.hang_up || !a.upgraded) return -1;
  if (!a.outbox.empty()) {
    if (!write(a.outbox.front(), LWS_PRE)) {
      a.close_reason = "write failed";
      return -1;
    }
    a.outbox.pop_front();
    if (!a.outbox.empty() || a.close_code != 0) lws_callback_on_writable(wsi);
    return 0;
  }
  if (a.close_code != 0) {
    // lws sends what it still holds before it closes the socket.
    std::string frame =
        wsframe::server_frame(wsframe::kClose, wsframe::close_payload(a.close_code, a.close_reason), LWS_PRE);
    write(frame, LWS_PRE);
    return -1;
  }
  return 0;
}

}  // namespace corral::manager
