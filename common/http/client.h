// Blocking HTTP(S) client over libcurl. corralctl uses it for every REST call, the agent for
// enrollment, and the manager's HTTP service for plugins (manager/providers/host_http.h) for each
// attempt of a plugin's request. One call is one request on a fresh connection, so there is no
// shared state to lock and calls may run on any number of threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/http/trust_store.h"
#include "common/result.h"

namespace corral::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct TlsOptions {
  // Trust exactly these CA certificates (PEM): corralctl and the agent pin the manager's CA.
  // Empty means the system trust store.
  std::string ca_pem;
  // When set, the CAs to trust instead of ca_pem (see trust_store.h).
  std::shared_ptr<const TrustStore> trust_store;
  // False only for the agent's first, unverified CA fetch, which then checks a pinned hash.
  bool verify = true;
  // The server only (an https proxy keeps the trust above): when set, exactly these CA
  // certificates (PEM), host name still verified...
  std::string server_ca_pem;
  // ...or, when set, the SHA-256 fingerprint of the one server certificate accepted (64 hex
  // digits, colons and case free), chain and host name not checked. Needs libcurl on this
  // program's OpenSSL (Debian's libcurl4-openssl); elsewhere the request is refused.
  std::string pinned_cert_sha256;
  // Optional client certificate and its key (PEM).
  std::string client_cert_pem;
  std::string client_key_pem;
};

struct ProxyOptions {
  // True is libcurl's own behaviour, kept for corralctl and the agent: http_proxy, https_proxy,
  // all_proxy and no_proxy from the environment. False: only `url` and `no_proxy` below.
  bool from_environment = true;
  // "http://proxy.example:3128" (credentials may be in it); empty: no proxy.
  std::string url;
  // Comma-separated hosts, domains, IP addresses or CIDR ranges reached without the proxy; "*"
  // for all.
  std::string no_proxy;
  // An https:// proxy's certificate is checked against the request's CAs (TlsOptions) when true,
  // against the system store when false.
  bool verify_with_request_ca = false;
};

struct Request {
  std::string method = "GET";  // GET HEAD POST PUT PATCH DELETE
  std::string url;
  // Sent in this order. An empty value is sent as an empty header, not dropped.
  Headers headers;
  std::string body;
  // The whole exchange, connection included.
  std::chrono::milliseconds timeout{15000};
  // Connecting (TCP and TLS) alone; zero: bounded by `timeout` only.
  std::chrono::milliseconds connect_timeout{0};
  // A larger answer body stops the transfer (Failure::body_too_large): a bad server cannot fill
  // our memory.
  size_t max_body_bytes = size_t{64} << 20;
  TlsOptions tls;
  ProxyOptions proxy;
  // When set, called at least every 50 ms while the request runs (from the calling thread);
  // returning true stops the transfer at once (Failure::aborted).
  std::function<bool()> abort;
};

struct Response {
  long status = 0;
  std::string body;
  std::string content_type;
  // The final response's header fields in the order received, names as the server wrote them
  // (HTTP/2 names are lowercase), values without surrounding whitespace. Interim (1xx) and proxy
  // CONNECT responses are not included.
  Headers headers;
};

// Why an exchange produced no response, in more detail than a Status code.
enum class Failure {
  none,             // a response arrived, whatever its HTTP status
  invalid_request,  // malformed URL, scheme other than http/https, unknown method, bad header
  aborted,          // Request::abort said stop
  timed_out,        // Request::timeout or connect_timeout passed
  body_too_large,   // more than max_body_bytes, or response headers beyond a fixed bound
  tls,              // the peer's certificate or name did not verify, or our own did not load
  transport,        // DNS, connect, reset, protocol error...
  internal,         // out of memory, libcurl refused an option
};

struct Exchange {
  // OK when a response arrived. Otherwise the error names the method and the URL (credentials
  // and secret query values redacted), never the headers or the body.
  Status status;
  Failure failure = Failure::none;
  // A new attempt may succeed: DNS, connect, reset, TLS handshake interrupted, timeout.
  bool transient = false;
  // False only when no byte of the request can have reached the server (the TCP connection, or
  // for https the TLS handshake, never completed). A non-idempotent request may be sent again
  // only then.
  bool request_may_have_been_sent = false;
  Response response;
  // SHA-256 fingerprint ("AB:CD:...") of the server's certificate when the handshake got that far
  // (also when it was refused); empty for http or libcurl on another TLS library.
  std::string peer_cert_sha256;
};

// One request, one attempt, no retry.
Exchange exchange(const Request& request);

// The same as a Result. Transport failures (DNS, connect, TLS verification, timeout) are
// ErrorCode::unavailable with curl's message and the URL, never the headers (they carry tokens).
// A malformed URL, a scheme other than http/https or an unsupported method is invalid_argument;
// an answer over max_body_bytes is internal. An HTTP error status is NOT a Status error: the
// caller reads Response::status.
Result<Response> perform(const Request& request);

// Call once at program start, before any thread is started (curl_global_init is not
// thread-safe before libcurl 7.84). Further calls do nothing.
void global_init();

}  // namespace corral::http
