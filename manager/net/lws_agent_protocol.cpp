// The agent websocket on the agent listener. By the time these callbacks run, OpenSSL has already
// verified the client certificate against the manager's CA (the vhost requires one), so every
// byte here comes from an enrolled agent. The agent id is the certificate's common name.
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

namespace corral::manager {
namespace {

constexpr char kAgentPath[] = "/agent/v1";
constexpr std::string_view kSubprotocol = "corral.agent.v1";

// Sec-WebSocket-Protocol is a comma-separated list; ours must be one of its entries. Without the
// header lws would pick the vhost's first protocol, which is ours: a client that did not ask for
// corral.agent.v1 would get it anyway.
bool offers_subprotocol(const std::string& header) {
  size_t i = 0;
  while (i <= header.size()) {
    size_t comma = header.find(',', i);
    if (comma == std::string::npos) comma = header.size();
    std::string_view item(header.data() + i, comma - i);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item == kSubprotocol) return true;
    i = comma + 1;
  }
  return false;
}

std::string protocol_header(lws* wsi) {
  int len = lws_hdr_total_length(wsi, WSI_TOKEN_PROTOCOL);
  if (len <= 0) return {};
  std::string value(static_cast<size_t>(len) + 1, '\0');
  int n = lws_hdr_copy(wsi, value.data(), len + 1, WSI_TOKEN_PROTOCOL);
  value.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return value;
}

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

    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
      drain_inbox();
      return 0;

    case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
      return trust_agent_ca(static_cast<SSL_CTX*>(static_cast<void*>(session))) ? 0 : 1;

    case LWS_CALLBACK_HTTP:
      // The agent listener serves nothing but the websocket.
      lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, nullptr);
      return -1;

    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
      return agent_filter(wsi, session);

    case LWS_CALLBACK_ESTABLISHED: {
      handshake_finished(wsi);
      auto it = agents_.find(session->conn);
      if (it == agents_.end()) return -1;
      it->second.wsi = wsi;
      if (it->second.close_code != 0) {
        // Refused (revoked): close at once with the code that tells the agent why.
        lws_callback_on_writable(wsi);
        return 0;
      }
      it->second.announced = true;
      queue_event(AgentConnected{session->conn, it->second.agent_id, it->second.serial, it->second.peer});
      return 0;
    }

    case LWS_CALLBACK_RECEIVE:
      return agent_receive(wsi, session, static_cast<const char*>(in), len);

    case LWS_CALLBACK_SERVER_WRITEABLE:
      return agent_writable(wsi, session);

    case LWS_CALLBACK_CLOSED: {
      auto it = agents_.find(session->conn);
      if (it == agents_.end()) return 0;
      bool announced = it->second.announced;
      std::string why = it->second.close_reason.empty() ? "connection closed" : it->second.close_reason;
      agents_.erase(it);
      if (announced) queue_event(AgentClosed{session->conn, why});
      if (shutting_down_ && agents_.empty()) end_loop();
      return 0;
    }

    case LWS_CALLBACK_WSI_DESTROY:
      handshake_finished(wsi);
      // A handshake refused after FILTER never reaches CLOSED.
      if (session && session->conn && agents_.count(session->conn) && !agents_[session->conn].announced) {
        agents_.erase(session->conn);
      }
      return 0;

    default:
      return 0;
  }
}

int LwsTransport::Impl::agent_filter(lws* wsi, SessionData* session) {
  char uri[64] = {0};
  if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 || std::strcmp(uri, kAgentPath) != 0) {
    log::warn("agent.refused", {{"reason", "wrong path"}, {"peer", peer_address(wsi)}});
    return 1;
  }
  if (!offers_subprotocol(protocol_header(wsi))) {
    log::warn("agent.refused", {{"reason", "websocket subprotocol corral.agent.v1 not requested"}, {"peer", peer_address(wsi)}});
    return 1;
  }
  std::optional<PeerIdentity> id = peer_identity(wsi);
  if (!id) {
    log::warn("agent.refused", {{"reason", "no usable client certificate"}, {"peer", peer_address(wsi)}});
    return 1;
  }
  ConnId conn = next_conn_id();
  session->conn = conn;
  AgentConnection& a = agents_[conn];
  a.wsi = wsi;
  a.agent_id = std::move(id->common_name);
  a.serial = std::move(id->serial_hex);
  a.peer = peer_address(wsi);
  a.assembler.emplace(options_.max_frame_bytes);
  if (revoked_serials_.count(a.serial)) {
    // Completing the upgrade only to close with 4003 lets the agent tell revocation apart from a
    // network fault; the core never hears of this connection.
    log::warn("agent.refused", {{"reason", "certificate revoked"}, {"agent_id", a.agent_id}, {"peer", a.peer}});
    a.close_code = kCloseRevoked;
    a.close_reason = "certificate revoked";
  }
  return 0;
}

int LwsTransport::Impl::agent_receive(lws* wsi, SessionData* session, const char* data, size_t len) {
  auto it = agents_.find(session->conn);
  if (it == agents_.end()) return -1;
  AgentConnection& a = it->second;
  if (a.close_code != 0) return 0;  // closing: ignore the rest

  auto refuse = [&](uint16_t code, const std::string& why) {
    log::warn("agent.frame_rejected", {{"agent_id", a.agent_id}, {"conn", session->conn}, {"reason", why}});
    a.close_reason = why;
    lws_close_reason(wsi, static_cast<lws_close_status>(code), reinterpret_cast<unsigned char*>(const_cast<char*>(why.data())), why.size());
    return -1;
  };

  if (lws_frame_is_binary(wsi) == 0 && lws_is_first_fragment(wsi)) {
    return refuse(ws::kCloseUnsupportedData, "text frames are not part of corral.agent.v1");
  }
  switch (a.assembler->append(std::string_view(data, len), lws_is_first_fragment(wsi), lws_is_final_fragment(wsi))) {
    case ws::MessageAssembler::Outcome::need_more:
      return 0;
    case ws::MessageAssembler::Outcome::too_large:
      return refuse(ws::kCloseMessageTooBig,
                    "message larger than " + std::to_string(options_.max_frame_bytes) + " bytes");
    case ws::MessageAssembler::Outcome::protocol_error:
      return refuse(ws::kCloseFramingError, "bad fragment sequence");
    case ws::MessageAssembler::Outcome::complete:
      break;
  }
  Result<corral::agent::v1::Envelope> envelope = ws::decode_envelope(a.assembler->message());
  if (!envelope.ok()) return refuse(ws::kCloseInvalidPayload, envelope.status().message());
  queue_event(AgentEnvelope{session->conn, std::move(envelope).value()});
  return 0;
}

int LwsTransport::Impl::agent_writable(lws* wsi, SessionData* session) {
  auto it = agents_.find(session->conn);
  if (it == agents_.end()) return -1;
  AgentConnection& a = it->second;
  if (!a.outbox.empty()) {
    std::string& frame = a.outbox.front();
    size_t payload = frame.size() - LWS_PRE;
    int n = lws_write(wsi, reinterpret_cast<unsigned char*>(frame.data()) + LWS_PRE, payload, LWS_WRITE_BINARY);
    if (n < static_cast<int>(payload)) {
      a.close_reason = "write failed";
      return -1;
    }
    a.outbox.pop_front();
    if (!a.outbox.empty() || a.close_code != 0) lws_callback_on_writable(wsi);
    return 0;
  }
  if (a.close_code != 0) {
    std::string why = a.close_reason;
    lws_close_reason(wsi, static_cast<lws_close_status>(a.close_code),
                     reinterpret_cast<unsigned char*>(why.data()), why.size());
    return -1;
  }
  return 0;
}

}  // namespace corral::manager
