// HTTP on the API listener: collects one request (headers and a bounded body), hands it to the
// core, and writes the core's response back in chunks. Websocket upgrades are refused here: the
// only websocket is on the agent listener.
#include <cctype>
#include <cstring>

#include "common/log.h"
#include "manager/net/listener.h"
#include "manager/net/lws_transport_impl.h"

namespace corral::manager {
namespace {

constexpr size_t kWriteChunk = 16 * 1024;

std::string header(lws* wsi, lws_token_indexes token) {
  int len = lws_hdr_total_length(wsi, token);
  if (len <= 0) return {};
  std::string value(static_cast<size_t>(len) + 1, '\0');
  int n = lws_hdr_copy(wsi, value.data(), len + 1, token);
  if (n < 0) return {};
  value.resize(static_cast<size_t>(n));
  return value;
}

// lws keeps the query string as separate fragments; rejoin them with '&'.
std::string query_string(lws* wsi) {
  std::string out;
  char buf[512];
  for (int i = 0;; ++i) {
    int n = lws_hdr_copy_fragment(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_URI_ARGS, i);
    if (n < 0) break;
    if (!out.empty()) out.push_back('&');
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace

int LwsTransport::Impl::http_callback(lws* wsi, lws_callback_reasons reason, SessionData* session, void* in,
                                      size_t len) {
  switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
      drain_inbox();
      return 0;

    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
      return 1;  // no websockets on the API listener

    case LWS_CALLBACK_HTTP:
      return http_begin(wsi, session, static_cast<const char*>(in));

    case LWS_CALLBACK_HTTP_BODY: {
      auto it = exchanges_.find(session->conn);
      if (it == exchanges_.end()) return -1;
      std::string& body = it->second.request.body;
      if (body.size() + len > options_.max_http_body_bytes) {
        lws_return_http_status(wsi, HTTP_STATUS_REQ_ENTITY_TOO_LARGE, nullptr);
        return -1;
      }
      body.append(static_cast<const char*>(in), len);
      return 0;
    }

    case LWS_CALLBACK_HTTP_BODY_COMPLETION: {
      auto it = exchanges_.find(session->conn);
      if (it == exchanges_.end()) return -1;
      http_dispatch(it->second, session->conn);
      return 0;
    }

    case LWS_CALLBACK_HTTP_WRITEABLE:
      return http_writable(wsi, session);

    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
      if (session && session->conn) exchanges_.erase(session->conn);
      return 0;

    default:
      return lws_callback_http_dummy(wsi, reason, session, in, len);
  }
}

int LwsTransport::Impl::http_begin(lws* wsi, SessionData* session, const char* uri) {
  // A keep-alive connection carries several exchanges; each gets its own id.
  if (session->conn) exchanges_.erase(session->conn);
  ConnId conn = next_conn_id();
  session->conn = conn;
  HttpExchange& ex = exchanges_[conn];
  ex.wsi = wsi;

  struct MethodToken {
    lws_token_indexes token;
    const char* name;
  };
  static const MethodToken kMethods[] = {{WSI_TOKEN_GET_URI, "GET"},
                                         {WSI_TOKEN_POST_URI, "POST"},
                                         {WSI_TOKEN_DELETE_URI, "DELETE"},
                                         {WSI_TOKEN_PUT_URI, "PUT"},
                                         {WSI_TOKEN_PATCH_URI, "PATCH"}};
  for (const MethodToken& m : kMethods) {
    if (lws_hdr_total_length(wsi, m.token) > 0) {
      ex.request.method = m.name;
      break;
    }
  }
  if (ex.request.method.empty()) {
    lws_return_http_status(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED, nullptr);
    return -1;
  }
  ex.request.path = uri ? uri : "/";
  ex.request.query = query_string(wsi);
  ex.request.authorization = header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
  ex.request.content_type = header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
  ex.request.if_match = header(wsi, WSI_TOKEN_HTTP_IF_MATCH);
  char peer[128] = {0};
  lws_get_peer_simple(wsi, peer, sizeof peer);
  ex.request.peer_address = printable_peer_address(peer);

  std::string length = header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
  if (!length.empty()) {
    char* end = nullptr;
    unsigned long long n = std::strtoull(length.c_str(), &end, 10);
    if (!end || *end != '\0') {
      lws_return_http_status(wsi, HTTP_STATUS_BAD_REQUEST, nullptr);
      return -1;
    }
    if (n > options_.max_http_body_bytes) {
      lws_return_http_status(wsi, HTTP_STATUS_REQ_ENTITY_TOO_LARGE, nullptr);
      return -1;
    }
    ex.expected_body = static_cast<size_t>(n);
  }
  // Without a body lws sends no BODY_COMPLETION: dispatch now.
  if (ex.expected_body == 0) http_dispatch(ex, conn);
  return 0;
}

void LwsTransport::Impl::http_dispatch(HttpExchange& exchange, ConnId conn) {
  if (exchange.dispatched) return;
  exchange.dispatched = true;
  sink_->on_http_request(conn, exchange.request);
  exchange.request.body.clear();
  exchange.request.authorization.clear();
}

int LwsTransport::Impl::http_writable(lws* wsi, SessionData* session) {
  auto it = exchanges_.find(session->conn);
  if (it == exchanges_.end() || !it->second.response) return 0;
  HttpExchange& ex = it->second;
  const HttpResponse& r = *ex.response;

  if (!ex.headers_sent) {
    unsigned char buf[LWS_PRE + 1024];
    unsigned char* start = buf + LWS_PRE;
    unsigned char* p = start;
    unsigned char* end = buf + sizeof buf - 1;
    if (lws_add_http_common_headers(wsi, static_cast<unsigned>(r.status), r.content_type.c_str(), r.body.size(), &p,
                                    end) ||
        lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>("cache-control:"),
                                    reinterpret_cast<const unsigned char*>("no-store"), 8, &p, end)) {
      return -1;
    }
    for (const auto& [name, value] : r.headers) {
      // lws wants the name lower-case with its colon.
      std::string key;
      for (char c : name) key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      key.push_back(':');
      if (lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>(key.c_str()),
                                      reinterpret_cast<const unsigned char*>(value.data()), static_cast<int>(value.size()),
                                      &p, end)) {
        return -1;
      }
    }
    if (lws_finalize_write_http_header(wsi, start, &p, end)) return -1;
    ex.headers_sent = true;
    if (!r.body.empty()) {
      lws_callback_on_writable(wsi);
      return 0;
    }
  }

  if (ex.body_offset < r.body.size()) {
    size_t n = std::min(kWriteChunk, r.body.size() - ex.body_offset);
    bool last = ex.body_offset + n == r.body.size();
    std::string chunk(LWS_PRE, '\0');
    chunk.append(r.body, ex.body_offset, n);
    int written = lws_write(wsi, reinterpret_cast<unsigned char*>(chunk.data()) + LWS_PRE, n,
                            last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
    if (written < static_cast<int>(n)) return -1;
    ex.body_offset += n;
    if (!last) {
      lws_callback_on_writable(wsi);
      return 0;
    }
  }
  exchanges_.erase(it);
  session->conn = 0;
  if (lws_http_transaction_completed(wsi)) return -1;
  return 0;
}

}  // namespace corral::manager
