// Blocking HTTPS client over libcurl. corralctl uses it for every REST call and the agent for
// enrollment; one call is one request on a fresh connection, so there is no shared state to lock.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace corral::http {

struct TlsOptions {
  // Trust exactly this CA (PEM); empty means the system trust store.
  std::string ca_pem;
  // False only for the agent's first, unverified CA fetch, which then checks a pinned hash.
  bool verify = true;
  // Optional client certificate and its key (PEM).
  std::string client_cert_pem;
  std::string client_key_pem;
};

struct Request {
  std::string method = "GET";  // GET POST DELETE PUT PATCH
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{15000};
  TlsOptions tls;
};

struct Response {
  long status = 0;
  std::string body;
  std::string content_type;
};

// Transport failures (DNS, connect, TLS verification, timeout) are ErrorCode::unavailable with
// curl's message and the URL, never the headers (they carry tokens). A malformed URL or an
// unsupported method is invalid_argument. An HTTP error status is NOT a Status error: the
// caller reads Response::status.
Result<Response> perform(const Request& request);

// Call once at program start, before any thread is started (curl_global_init is not
// thread-safe). Further calls do nothing.
void global_init();

}  // namespace corral::http
