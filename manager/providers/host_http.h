// The HTTP(S) client the manager offers provider plugins as a host service
// (corral_host_v1.http_request): a plugin hands a corral.provider.v1.HttpRequest and gets an
// HttpResponse, with the manager's TLS trust, proxy, timeouts, retries and request log applied.
// The plugin loader (in the manager, and in corral-plugin-host) calls it from provider worker
// threads; it depends on common/ only. Each attempt is one common/http exchange (libcurl).
//
// Decisions:
// - TLS: peer and host name verification are always on; nothing in a request can turn them
//   off. `ca_bundle_file` (PEM) is trusted in addition to the system store, or instead of it
//   with `ca_bundle_only`. Both are read and parsed once, by create() (common/http/trust_store.h),
//   and shared by every request: parsing the system store per connection cost libcurl tens of
//   milliseconds of CPU per request. A changed bundle or system store takes a restart. The same
//   trust applies to an https:// proxy. A request may narrow its server's trust to CAs of its own
//   (HttpRequest.server_ca_pem) or to one pinned certificate fingerprint (pinned_cert_sha256, for
//   a self-signed appliance an operator configured); the proxy keeps the host's trust. Every
//   https answer, and a refused certificate, reports the server's fingerprint (peer_cert_sha256).
// - Proxy: only what the settings say. The environment (https_proxy, no_proxy...) is ignored
//   unless `proxy_from_environment` is set: the manager runs as a service whose environment is
//   incidental, and a variable left in a unit file must not silently send cloud credentials
//   through another host. proxy_url and proxy_from_environment exclude each other.
// - Requests: http and https URLs only; anything else (file://, ftp://...) is
//   CORRAL_ERR_INVALID_ARGUMENT before anything is sent, as are a method other than GET, HEAD,
//   POST, PUT, PATCH, DELETE (an empty one is GET), a header name that is not an HTTP token, a
//   line break in a header value and a negative timeout_ms. Redirects are not followed (a 3xx is
//   returned to the plugin): following one would resend Authorization to another host.
// - Body size: an answer body over `max_response_bytes` stops the transfer and is a
//   transport_error naming the limit; it is not retried.
// - Time: each attempt is bounded by HttpRequest.timeout_ms (else `default_timeout`) and by what
//   is left of the call's deadline; the whole request, retries and waits included, never runs
//   past the deadline. Running into the deadline is CORRAL_ERR_DEADLINE and a set cancellation
//   flag CORRAL_ERR_CANCELLED, both distinct from a transport_error (which is CORRAL_OK with
//   HttpResponse.transport_error set, as the ABI says). Both are noticed within about 50 ms,
//   during a transfer and during a backoff wait.
// - Retries (at most `max_attempts` attempts in all): an idempotent request (GET, HEAD, PUT,
//   DELETE, or HttpRequest.idempotent) is sent again after a transient transport failure (DNS,
//   connect, reset, TLS handshake cut, per-attempt timeout) or a 408, 429, 500, 502, 503 or 504
//   answer. 500 is included because the AWS, Azure and GCP APIs document it as retryable for
//   idempotent calls; 501 and 505 are permanent. A certificate that does not verify is not
//   retried. A non-idempotent request (POST, PATCH) is sent again only when no byte of it can
//   have reached the server (no TCP connection, or for https no completed TLS handshake); an
//   answer of any status ends it. The wait before attempt n+1 is "full jitter" (uniform in
//   [0, min(backoff_max, backoff_base * 2^(n-1))]), or the answer's Retry-After (seconds or an
//   HTTP date) when that is longer. A Retry-After beyond `max_retry_after`, or a wait that would
//   end after the deadline, ends the retries and the last answer is returned as it is, so the
//   plugin can report Error.retry_after_ms. HttpResponse.attempts counts the attempts made.
// - Logs: the request log hook gets one record per attempt and a debug line goes to
//   common/log.h per attempt. Both carry the URL with user:password and secret-looking query
//   values (sig, signature, token, key, ... see common/http/redaction.h) replaced by
//   "<redacted>", and headers with Authorization, Proxy-Authorization, Cookie, Set-Cookie,
//   X-Amz-Security-Token, x-ms-authorization-auxiliary, secret-looking names and the request's
//   sensitive_headers replaced by "<redacted>". The hook gets the request body unless
//   sensitive_body; the log line never carries bodies, only their sizes (a startup script in a
//   create call holds a join token, and not every plugin will mark it).
// - Threads: perform() is const and keeps no state between calls; each attempt uses its own
//   libcurl handle and connection (no connection reuse, so a dead pooled connection can never
//   make libcurl resend a POST by itself). The log hook is called on the calling thread and must
//   be thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/http/client.h"
#include "common/http/trust_store.h"
#include "common/result.h"
#include "corral/plugin_abi.h"
#include "corral/provider/v1/provider.pb.h"
#include "manager/providers/http_retry.h"

namespace corral::manager::providers {

namespace pv1 = ::corral::provider::v1;

struct HostHttpSettings {
  // PEM file of CA certificates to trust; empty: the system store only.
  std::string ca_bundle_file;
  // True: trust only ca_bundle_file, not the system store.
  bool ca_bundle_only = false;

  // "http://proxy.example:3128" (http, https, socks4(a), socks5(h)); empty: no proxy.
  std::string proxy_url;
  // Hosts, domains, IP addresses or CIDR ranges reached without proxy_url, comma-separated.
  std::string no_proxy;
  // Take the proxy from https_proxy / http_proxy / all_proxy / no_proxy instead.
  bool proxy_from_environment = false;

  // Per attempt, when the request has no timeout_ms.
  std::chrono::milliseconds default_timeout{30'000};
  // TCP and TLS connection setup, within the attempt's timeout.
  std::chrono::milliseconds connect_timeout{10'000};
  size_t max_response_bytes = size_t{32} << 20;

  // Attempts in all, the first included (1: never retry).
  uint32_t max_attempts = 4;
  std::chrono::milliseconds backoff_base{250};
  std::chrono::milliseconds backoff_max{10'000};
  // A longer Retry-After is not waited for.
  std::chrono::milliseconds max_retry_after{60'000};
};

// One attempt as the request log sees it. Secrets are already replaced by "<redacted>".
struct HttpAttemptRecord {
  std::string plugin;    // as passed to perform()
  uint32_t attempt = 0;  // 1 for the first
  std::string method;
  std::string url;
  http::Headers request_headers;
  std::string request_body;  // empty when request_body_redacted
  bool request_body_redacted = false;
  int status = 0;  // 0 when no answer arrived
  http::Headers response_headers;
  std::string error;  // the transport error, or why the attempt was stopped; empty with an answer
  std::chrono::milliseconds duration{0};
};

using HttpRequestLog = std::function<void(const HttpAttemptRecord&)>;

struct HostHttpResult {
  // CORRAL_OK (then `response` holds the answer or its transport_error),
  // CORRAL_ERR_INVALID_ARGUMENT, CORRAL_ERR_CANCELLED or CORRAL_ERR_DEADLINE.
  corral_status status = CORRAL_OK;
  std::string message;  // why, when status is not CORRAL_OK; never holds a secret
  pv1::HttpResponse response;

  bool ok() const { return status == CORRAL_OK; }
};

class HostHttpClient {
 public:
  // Checks the settings and reads the CA bundle. Calls http::global_init(). TIMING null: the
  // system's clocks and a real wait (system_retry_timing()).
  static Result<HostHttpClient> create(HostHttpSettings settings, HttpRequestLog request_log = {},
                                       std::shared_ptr<const RetryTiming> timing = nullptr);

  // Sends REQUEST, retrying as the decisions above say. DEADLINE_MS is on the clock of
  // the timing's monotonic_ms() (by default monotonic_now_ms(), the ABI's monotonic_ms); 0 means
  // none. CANCELLED may be null. PLUGIN
  // names the caller in logs.
  HostHttpResult perform(const pv1::HttpRequest& request, int64_t deadline_ms, const std::atomic<bool>* cancelled,
                         std::string_view plugin = {}) const;

  // std::chrono::steady_clock in milliseconds.
  static int64_t monotonic_now_ms();

  const HostHttpSettings& settings() const { return settings_; }

 private:
  HostHttpClient(HostHttpSettings settings, std::shared_ptr<const http::TrustStore> trust, HttpRequestLog request_log,
                 std::shared_ptr<const RetryTiming> timing);

  HostHttpSettings settings_;
  std::shared_ptr<const http::TrustStore> trust_;  // the system store and/or ca_bundle_file, parsed once
  HttpRequestLog request_log_;
  std::shared_ptr<const RetryTiming> timing_;
};

}  // namespace corral::manager::providers
