#include "manager/providers/host_http.h"

#include <algorithm>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "common/clock.h"
#include "common/files.h"
#include "common/http/redaction.h"
#include "common/log.h"
#include "common/text.h"
#include "manager/providers/http_retry.h"

namespace corral::manager::providers {
namespace {

using std::chrono::milliseconds;

uint64_t random_u64() {
  thread_local std::mt19937_64 rng{(static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}()};
  return rng();
}

bool is_cancelled(const std::atomic<bool>* cancelled) { return cancelled != nullptr && cancelled->load(); }

HostHttpResult call_error(corral_status status, std::string message) {
  HostHttpResult result;
  result.status = status;
  result.message = std::move(message);
  return result;
}

Status check_proxy_url(const std::string& url) {
  size_t end = url.find("://");
  if (end == std::string::npos) {
    return error(ErrorCode::invalid_argument, "proxy_url needs a scheme, e.g. http://proxy:3128");
  }
  std::string scheme = url.substr(0, end);
  for (const char* ok : {"http", "https", "socks4", "socks4a", "socks5", "socks5h"}) {
    if (ascii_iequals(scheme, ok)) return {};
  }
  return error(ErrorCode::invalid_argument,
               "proxy_url scheme '" + scheme + "' is not http, https, socks4(a) or socks5(h)");
}

Status check_settings(const HostHttpSettings& s) {
  if (s.max_attempts == 0) return error(ErrorCode::invalid_argument, "max_attempts must be at least 1");
  if (s.default_timeout.count() <= 0 || s.connect_timeout.count() <= 0) {
    return error(ErrorCode::invalid_argument, "default_timeout and connect_timeout must be positive");
  }
  if (s.max_response_bytes == 0) return error(ErrorCode::invalid_argument, "max_response_bytes must be positive");
  if (s.backoff_base.count() < 0 || s.backoff_max.count() < 0 || s.max_retry_after.count() < 0) {
    return error(ErrorCode::invalid_argument, "backoff_base, backoff_max and max_retry_after cannot be negative");
  }
  if (s.proxy_from_environment && (!s.proxy_url.empty() || !s.no_proxy.empty())) {
    return error(ErrorCode::invalid_argument, "proxy_from_environment excludes proxy_url and no_proxy");
  }
  if (s.ca_bundle_only && s.ca_bundle_file.empty()) {
    return error(ErrorCode::invalid_argument, "ca_bundle_only needs ca_bundle_file");
  }
  if (!s.proxy_url.empty()) return check_proxy_url(s.proxy_url);
  return {};
}

bool is_sensitive_header(const std::string& name, const pv1::HttpRequest& request) {
  if (http::is_secret_header(name)) return true;
  return std::any_of(request.sensitive_headers().begin(), request.sensitive_headers().end(),
                     [&](const std::string& s) { return ascii_iequals(s, name); });
}

http::Headers redacted(const http::Headers& headers, const pv1::HttpRequest& request) {
  http::Headers out;
  out.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    out.emplace_back(name, is_sensitive_header(name, request) ? std::string(http::kRedacted) : value);
  }
  return out;
}

std::string joined(const http::Headers& headers) {
  std::string out;
  for (const auto& [name, value] : headers) {
    if (!out.empty()) out.append("; ");
    out.append(name).append(": ").append(value);
  }
  return out;
}

const std::string* find_header(const http::Headers& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (ascii_iequals(n, name)) return &v;
  }
  return nullptr;
}

}  // namespace

int64_t HostHttpClient::monotonic_now_ms() { return steady_millis(std::chrono::steady_clock::now()); }

HostHttpClient::HostHttpClient(HostHttpSettings settings, std::shared_ptr<const http::TrustStore> trust,
                               HttpRequestLog request_log, std::shared_ptr<const RetryTiming> timing)
    : settings_(std::move(settings)),
      trust_(std::move(trust)),
      request_log_(std::move(request_log)),
      timing_(std::move(timing)) {}

Result<HostHttpClient> HostHttpClient::create(HostHttpSettings settings, HttpRequestLog request_log,
                                              std::shared_ptr<const RetryTiming> timing) {
  // The system timing lives as long as the program: a shared_ptr that owns nothing.
  if (!timing) timing = std::shared_ptr<const RetryTiming>(std::shared_ptr<void>(), &system_retry_timing());
  if (Status st = check_settings(settings); !st.ok()) {
    return error(st.code(), "HTTP service for plugins: " + st.message());
  }
  http::global_init();
  std::string bundle;
  if (!settings.ca_bundle_file.empty()) {
    Result<std::string> text = read_file(settings.ca_bundle_file);
    if (!text.ok()) {
      return error(text.status().code(), "HTTP service for plugins: cannot read ca_bundle_file " +
                                             settings.ca_bundle_file + ": " + text.status().message());
    }
    bundle = std::move(*text);
  }
  auto trust = http::TrustStore::create(bundle, !settings.ca_bundle_only);
  if (!trust.ok()) {
    return error(trust.status().code(), "HTTP service for plugins: ca_bundle_file " + settings.ca_bundle_file + ": " +
                                            trust.status().message());
  }
  return HostHttpClient(std::move(settings), std::move(*trust), std::move(request_log), std::move(timing));
}

HostHttpResult HostHttpClient::perform(const pv1::HttpRequest& request, int64_t deadline_ms,
                                       const std::atomic<bool>* cancelled, std::string_view plugin) const {
  const std::string method = request.method().empty() ? "GET" : request.method();
  const std::string where = method + " " + http::redact_url(request.url());
  if (request.timeout_ms() < 0) return call_error(CORRAL_ERR_INVALID_ARGUMENT, "negative timeout_ms in " + where);

  http::Request attempt_request;
  attempt_request.method = method;
  attempt_request.url = request.url();
  for (const pv1::HttpHeader& h : request.headers()) attempt_request.headers.emplace_back(h.name(), h.value());
  attempt_request.body = request.body();
  attempt_request.connect_timeout = settings_.connect_timeout;
  attempt_request.max_body_bytes = settings_.max_response_bytes;
  attempt_request.tls.trust_store = trust_;
  attempt_request.tls.server_ca_pem = request.server_ca_pem();
  attempt_request.tls.pinned_cert_sha256 = request.pinned_cert_sha256();
  attempt_request.proxy.from_environment = settings_.proxy_from_environment;
  attempt_request.proxy.url = settings_.proxy_url;
  attempt_request.proxy.no_proxy = settings_.no_proxy;
  attempt_request.proxy.verify_with_request_ca = true;

  const bool idempotent = is_idempotent_request(method, request.idempotent());
  const milliseconds per_attempt =
      request.timeout_ms() > 0 ? milliseconds(request.timeout_ms()) : settings_.default_timeout;

  // What stopped an attempt through Request::abort; read after exchange() returns, on this thread.
  enum class Stop { none, cancel, deadline } stop = Stop::none;
  if (cancelled != nullptr || deadline_ms > 0) {
    attempt_request.abort = [&stop, cancelled, deadline_ms, timing = timing_.get()] {
      if (is_cancelled(cancelled)) {
        stop = Stop::cancel;
      } else if (deadline_ms > 0 && timing->monotonic_ms() >= deadline_ms) {
        stop = Stop::deadline;
      }
      return stop != Stop::none;
    };
  }

  HostHttpResult result;
  for (uint32_t attempt = 1;; ++attempt) {
    int64_t now = timing_->monotonic_ms();
    if (is_cancelled(cancelled)) {
      return call_error(CORRAL_ERR_CANCELLED,
                        where + ": the call was cancelled after " + std::to_string(attempt - 1) + " attempt(s)");
    }
    if (deadline_ms > 0 && now >= deadline_ms) {
      return call_error(CORRAL_ERR_DEADLINE,
                        where + ": the call's deadline passed after " + std::to_string(attempt - 1) + " attempt(s)");
    }
    bool capped_by_deadline = deadline_ms > 0 && deadline_ms - now <= per_attempt.count();
    attempt_request.timeout = capped_by_deadline ? milliseconds(deadline_ms - now) : per_attempt;

    auto started = std::chrono::steady_clock::now();
    http::Exchange x = http::exchange(attempt_request);
    auto duration = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
    if (x.failure == http::Failure::invalid_request) return call_error(CORRAL_ERR_INVALID_ARGUMENT, x.status.message());

    corral_status call_status = CORRAL_OK;
    std::string call_message;
    if (x.failure == http::Failure::aborted && stop == Stop::cancel) {
      call_status = CORRAL_ERR_CANCELLED;
      call_message = where + ": the call was cancelled during attempt " + std::to_string(attempt);
    } else if (x.failure == http::Failure::aborted ||
               (x.failure == http::Failure::timed_out &&
                (capped_by_deadline || (deadline_ms > 0 && timing_->monotonic_ms() >= deadline_ms)))) {
      call_status = CORRAL_ERR_DEADLINE;
      call_message = where + ": the call's deadline passed during attempt " + std::to_string(attempt);
    }

    std::string transport_error;
    if (call_status == CORRAL_OK && !x.status.ok()) {
      transport_error = x.failure == http::Failure::body_too_large
                            ? where + ": the answer is larger than the host's limit of " +
                                  std::to_string(settings_.max_response_bytes) + " bytes (max_response_bytes)"
                            : x.status.message();
    }

    // The request log and the debug line, with secrets replaced.
    const bool debug = log::enabled(log::Level::debug);
    if (request_log_ || debug) {
      HttpAttemptRecord record;
      record.plugin = std::string(plugin);
      record.attempt = attempt;
      record.method = method;
      record.url = http::redact_url(request.url());
      record.request_headers = redacted(attempt_request.headers, request);
      record.request_body_redacted = request.sensitive_body() && !request.body().empty();
      if (!record.request_body_redacted) record.request_body = request.body();
      record.status = x.status.ok() ? static_cast<int>(x.response.status) : 0;
      record.response_headers = redacted(x.response.headers, request);
      record.error = call_status != CORRAL_OK ? call_message : transport_error;
      record.duration = duration;
      if (request_log_) request_log_(record);
      if (debug) {
        log::debug("plugin.http.attempt", {{"plugin", record.plugin},
                                           {"method", record.method},
                                           {"url", record.url},
                                           {"attempt", attempt},
                                           {"status", record.status},
                                           {"duration_ms", static_cast<int64_t>(duration.count())},
                                           {"request_headers", joined(record.request_headers)},
                                           {"request_body_bytes", request.body().size()},
                                           {"response_body_bytes", x.response.body.size()},
                                           {"error", record.error}});
      }
    }

    if (call_status != CORRAL_OK) return call_error(call_status, call_message);

    result.response.Clear();
    result.response.set_attempts(attempt);
    result.response.set_peer_cert_sha256(x.peer_cert_sha256);
    std::optional<milliseconds> retry_after;
    bool retry = false;
    if (x.status.ok()) {
      result.response.set_status(static_cast<int32_t>(x.response.status));
      for (const auto& [name, value] : x.response.headers) {
        pv1::HttpHeader* h = result.response.add_headers();
        h->set_name(name);
        h->set_value(value);
      }
      result.response.set_body(std::move(x.response.body));
      retry = idempotent && is_retryable_status(static_cast<int>(x.response.status));
      if (const std::string* value = find_header(x.response.headers, "Retry-After")) {
        retry_after = parse_retry_after(*value, timing_->wall_now());
      }
    } else {
      result.response.set_transport_error(transport_error);
      result.response.set_certificate_refused(x.failure == http::Failure::tls);
      retry = x.transient && (idempotent || !x.request_may_have_been_sent);
    }
    if (!retry || attempt >= settings_.max_attempts) return result;

    milliseconds wait = full_jitter_backoff(attempt, settings_.backoff_base, settings_.backoff_max, random_u64());
    if (retry_after) {
      if (*retry_after > settings_.max_retry_after) return result;
      wait = std::max(wait, *retry_after);
    }
    if (deadline_ms > 0 && timing_->monotonic_ms() + wait.count() >= deadline_ms) return result;
    if (!timing_->wait(wait, cancelled)) {
      return call_error(CORRAL_ERR_CANCELLED,
                        where + ": the call was cancelled after " + std::to_string(attempt) + " attempt(s)");
    }
  }
}

}  // namespace corral::manager::providers
