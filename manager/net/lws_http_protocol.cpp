// HTTP on the API listener: admits a request from its headers (HttpAdmission: the gate, sizes,
// shares), collects its bounded body, hands it to the core, and writes the core's response back
// in chunks. A request refused from its headers is answered at once and its connection closed, so
// its body is never read. Websocket upgrades are refused here: the only websocket is on the agent
// listener.
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <optional>
#include <string_view>

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

// lws wants the name lower-case with its colon.
int add_header(lws* wsi, std::string_view name, std::string_view value, unsigned char** p, unsigned char* end) {
  std::string key;
  for (char c : name) key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  key.push_back(':');
  return lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>(key.c_str()),
                                     reinterpret_cast<const unsigned char*>(value.data()),
                                     static_cast<int>(value.size()), p, end);
}

}  // namespace

int LwsTransport::Impl::http_callback(lws* wsi, lws_callback_reasons reason, SessionData* session, void* in,
                                      size_t len) {
  switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED: drain_inbox(); return 0;

    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: return 1;  // no websockets on the API listener

    case LWS_CALLBACK_HTTP: return http_begin(wsi, session, static_cast<const char*>(in));

    case LWS_CALLBACK_HTTP_BODY: {
      auto it = exchanges_.find(session->conn);
      if (it == exchanges_.end()) return -1;
      std::string& body = it->second.request.body;
      // lws delivers no more than Content-Length, which admission bounded; this only guards that.
      if (body.size() + len > it->second.expected_body) return -1;
      body.append(static_cast<const char*>(in), len);
      return 0;
    }

    case LWS_CALLBACK_HTTP_BODY_COMPLETION: {
      auto it = exchanges_.find(session->conn);
      if (it == exchanges_.end()) return -1;
      http_dispatch(it->second, session->conn);
      return 0;
    }

    case LWS_CALLBACK_HTTP_WRITEABLE: return http_writable(wsi, session);

    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
      if (session && session->conn) finish_exchange(session->conn);
      return 0;

    default: return lws_callback_http_dummy(wsi, reason, session, in, len);
  }
}

int LwsTransport::Impl::http_begin(lws* wsi, SessionData* session, const char* uri) {
  // A keep-alive connection carries several exchanges; each gets its own id.
  if (session->conn) finish_exchange(session->conn);
  ConnId conn = next_conn_id();
  session->conn = conn;
  HttpExchange& ex = exchanges_[conn];
  ex.wsi = wsi;

  struct MethodToken {
    lws_token_indexes token;
    const char* name;
  };
  static const MethodToken kMethods[] = {{WSI_TOKEN_GET_URI, "GET"},       {WSI_TOKEN_POST_URI, "POST"},
                                         {WSI_TOKEN_DELETE_URI, "DELETE"}, {WSI_TOKEN_PUT_URI, "PUT"},
                                         {WSI_TOKEN_PATCH_URI, "PATCH"},   {WSI_TOKEN_HEAD_URI, "HEAD"}};
  for (const MethodToken& m : kMethods) {
    if (lws_hdr_total_length(wsi, m.token) > 0) {
      ex.request.method = m.name;
      break;
    }
  }
  if (ex.request.method.empty()) {
    HttpResponse refusal;
    refusal.status = HTTP_STATUS_METHOD_NOT_ALLOWED;
    refusal.body =
        error_json(refusal.status, "method_not_allowed", "the API serves GET, HEAD, POST, PUT, PATCH and DELETE");
    refusal.headers.emplace_back("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE");
    return refuse_now(wsi, refusal);
  }
  ex.request.path = uri ? uri : "/";
  ex.request.query = query_string(wsi);
  ex.request.authorization = header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
  ex.request.content_type = header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
  ex.request.if_match = header(wsi, WSI_TOKEN_HTTP_IF_MATCH);
  char peer[128] = {0};
  lws_get_peer_simple(wsi, peer, sizeof peer);
  ex.request.peer_address = printable_peer_address(peer);

  std::optional<std::string> length;
  if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) length = header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
  HttpRequestHead head{
      ex.request.method,       ex.request.path, ex.request.authorization,
      ex.request.peer_address, std::nullopt,    lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0};
  if (length) head.content_length = *length;
  HttpAdmissionResult admitted = admission_.admit(head);
  if (!admitted.ticket) {
    log::info("api.refused", {{"method", ex.request.method},
                              {"path", ex.request.path},
                              {"status", admitted.refusal.status},
                              {"peer", ex.request.peer_address}});
    finish_exchange(conn);
    session->conn = 0;
    return refuse_now(wsi, admitted.refusal);
  }
  ex.expected_body = admitted.ticket->body_bytes;
  ex.ticket = std::move(admitted.ticket);
  // Without a body lws sends no BODY_COMPLETION: dispatch now.
  if (ex.expected_body == 0) http_dispatch(ex, conn);
  return 0;
}

void LwsTransport::Impl::finish_exchange(ConnId conn) {
  auto it = exchanges_.find(conn);
  if (it == exchanges_.end()) return;
  if (it->second.ticket) admission_.release(*it->second.ticket);
  exchanges_.erase(it);
}

int LwsTransport::Impl::refuse_now(lws* wsi, const HttpResponse& r) {
  // Headers and body in one write: lws flushes whatever the socket does not take before it
  // closes the connection (the -1 below).
  std::string out(LWS_PRE, '\0');
  out.resize(LWS_PRE + 1024 + r.body.size());
  auto* start = reinterpret_cast<unsigned char*>(out.data()) + LWS_PRE;
  unsigned char* p = start;
  unsigned char* end = reinterpret_cast<unsigned char*>(out.data()) + out.size() - r.body.size();
  if (lws_add_http_common_headers(wsi, static_cast<unsigned>(r.status), r.content_type.c_str(), r.body.size(), &p,
                                  end) ||
      add_header(wsi, "connection", "close", &p, end) || add_header(wsi, "cache-control", "no-store", &p, end)) {
    return -1;
  }
  for (const auto& [name, value] : r.headers) {
    if (add_header(wsi, name, value, &p, end)) return -1;
  }
  if (lws_finalize_http_header(wsi, &p, end)) return -1;
  std::memcpy(p, r.body.data(), r.body.size());
  p += r.body.size();
  lws_write(wsi, start, static_cast<size_t>(p - start), LWS_WRITE_HTTP);
  return -1;
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
  // A file body is read in chunks as the socket takes them; HEAD gets the headers alone.
  const size_t body_size = r.file ? static_cast<size_t>(r.file->size()) : r.body.size();
  const bool head = ex.request.method == "HEAD";

  if (!ex.headers_sent) {
    unsigned char buf[LWS_PRE + 1024];
    unsigned char* start = buf + LWS_PRE;
    unsigned char* p = start;
    unsigned char* end = buf + sizeof buf - 1;
    if (lws_add_http_common_headers(wsi, static_cast<unsigned>(r.status), r.content_type.c_str(), body_size, &p, end) ||
        add_header(wsi, "cache-control", "no-store", &p, end)) {
      return -1;
    }
    for (const auto& [name, value] : r.headers) {
      if (add_header(wsi, name, value, &p, end)) return -1;
    }
    if (lws_finalize_write_http_header(wsi, start, &p, end)) return -1;
    ex.headers_sent = true;
    if (body_size > 0 && !head) {
      lws_callback_on_writable(wsi);
      return 0;
    }
  }

  if (!head && ex.body_offset < body_size) {
    size_t n = std::min(kWriteChunk, body_size - ex.body_offset);
    bool last = ex.body_offset + n == body_size;
    std::string chunk(LWS_PRE, '\0');
    if (r.file) {
      chunk.resize(LWS_PRE + n);
      ssize_t got = ::pread(r.file->fd(), chunk.data() + LWS_PRE, n, static_cast<off_t>(ex.body_offset));
      // Shortened or unreadable since it was opened: the client must not take a cut file as whole.
      if (got != static_cast<ssize_t>(n)) return -1;
    } else {
      chunk.append(r.body, ex.body_offset, n);
    }
    int written = lws_write(wsi, reinterpret_cast<unsigned char*>(chunk.data()) + LWS_PRE, n,
                            last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
    if (written < static_cast<int>(n)) return -1;
    ex.body_offset += n;
    if (!last) {
      lws_callback_on_writable(wsi);
      return 0;
    }
  }
  finish_exchange(session->conn);
  session->conn = 0;
  if (lws_http_transaction_completed(wsi)) return -1;
  return 0;
}

}  // namespace corral::manager
