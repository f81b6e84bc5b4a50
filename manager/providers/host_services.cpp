#include "manager/providers/host_services.h"

#include <openssl/rand.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/http/redaction.h"
#include "common/log.h"
#include "corral/provider/v1/provider.pb.h"
#include "manager/providers/host_http.h"

namespace corral::manager::providers {
namespace {

namespace pv1 = ::corral::provider::v1;

constexpr size_t kMaxRecordBytes = 64 * 1024;
constexpr size_t kMaxFields = 32;
constexpr size_t kMaxValueBytes = 1024;
constexpr size_t kMaxNameBytes = 64;

HostServices* self(void* ctx) { return static_cast<HostServices*>(ctx); }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_ignore_case(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

// An event name or a key: only [A-Za-z0-9._-], so it can neither end the line nor pose as a
// "key=value" of its own.
std::string clean_name(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, kMaxNameBytes)) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    out.push_back(ok ? c : '_');
  }
  return out;
}

bool is_reserved_key(std::string_view k) {
  return k == "ts" || k == "level" || k == "component" || k == "event" || k == "plugin";
}

bool is_secret_key(std::string_view k) { return http::is_secret_header(k) || http::is_secret_query_parameter(k); }

bool is_secret_value(std::string_view v) {
  size_t start = v.find_first_not_of(" \t\"'");
  if (start == std::string_view::npos) return false;
  std::string_view s = v.substr(start);
  if (starts_with_ignore_case(s, "bearer ") || starts_with_ignore_case(s, "basic ")) return true;
  return v.find("PRIVATE KEY-----") != std::string_view::npos;
}

std::string clean_value(std::string_view key, const std::string& value) {
  if (is_secret_key(key) || is_secret_value(value)) return "[redacted]";
  std::string v = value.find("://") != std::string::npos ? http::redact_url(value) : value;
  if (v.size() > kMaxValueBytes) v = v.substr(0, kMaxValueBytes) + "...";
  return v;
}

void plugin_log(void* ctx, const uint8_t* record, size_t len) noexcept {
  try {
    HostServices* host = self(ctx);
    pv1::LogRecord rec;
    if ((record == nullptr && len > 0) || len > kMaxRecordBytes || !rec.ParseFromArray(record, static_cast<int>(len))) {
      log::warn("plugin.bad_log_record", {{"plugin", host->plugin_name()}, {"bytes", len}});
      return;
    }
    log::Level level = log::Level::info;
    switch (rec.level()) {
      case pv1::LogRecord::LEVEL_DEBUG: level = log::Level::debug; break;
      case pv1::LogRecord::LEVEL_WARN: level = log::Level::warn; break;
      case pv1::LogRecord::LEVEL_ERROR: level = log::Level::error; break;
      default: break;
    }
    if (!log::enabled(level)) return;
    // Sorted, so a record prints the same way every time.
    std::map<std::string, std::string> cleaned;
    size_t dropped = 0;
    for (const auto& [k, v] : rec.fields()) {
      std::string key = clean_name(k);
      if (key.empty()) key = "_";
      if (is_reserved_key(key)) key.insert(0, "x_");
      cleaned[key] = clean_value(key, v);
    }
    while (cleaned.size() > kMaxFields) {
      cleaned.erase(std::prev(cleaned.end()));
      ++dropped;
    }
    // log::Field holds its key as a view: CLEANED owns them.
    std::vector<log::Field> fields;
    fields.reserve(cleaned.size() + 2);
    std::string name = host->plugin_name();
    fields.emplace_back("plugin", name);
    for (const auto& [k, v] : cleaned) fields.emplace_back(k, v);
    if (dropped > 0) fields.emplace_back("fields_dropped", std::to_string(dropped));
    std::string event = clean_name(rec.event());
    log::write_fields(level, event.empty() ? "plugin.log" : event, fields);
  } catch (...) {
    // Nothing may unwind into the plugin.
  }
}

// Hands BYTES to the plugin in a malloc'd buffer (freed through free_buffer), with STATUS.
corral_status give(const std::string& bytes, corral_status status, uint8_t** out, size_t* out_len) {
  *out = nullptr;
  *out_len = 0;
  if (bytes.empty()) return status;
  auto* p = static_cast<uint8_t*>(std::malloc(bytes.size()));
  if (p == nullptr) return CORRAL_ERR_INTERNAL;
  std::memcpy(p, bytes.data(), bytes.size());
  *out = p;
  *out_len = bytes.size();
  return status;
}

corral_status plugin_http(void* ctx, const corral_call* call, const uint8_t* request, size_t request_len, uint8_t** out,
                          size_t* out_len) noexcept {
  if (out == nullptr || out_len == nullptr) return CORRAL_ERR_INVALID_ARGUMENT;
  *out = nullptr;
  *out_len = 0;
  try {
    HostServices* host = self(ctx);
    pv1::HttpRequest r;
    if ((request == nullptr && request_len > 0) || request_len > static_cast<size_t>(INT32_MAX) ||
        !r.ParseFromArray(request, static_cast<int>(request_len))) {
      return give("the request does not decode as corral.provider.v1.HttpRequest", CORRAL_ERR_INVALID_ARGUMENT, out,
                  out_len);
    }
    if (host->http() == nullptr) {
      return give("the manager has no HTTP service for plugins configured", CORRAL_ERR_UNAVAILABLE, out, out_len);
    }
    HostHttpResult result = host->http()->perform(r, call != nullptr ? call->deadline_ms : 0,
                                                  call != nullptr ? call->cancelled : nullptr, host->plugin_name());
    if (!result.ok()) return give(result.message, result.status, out, out_len);
    return give(result.response.SerializeAsString(), CORRAL_OK, out, out_len);
  } catch (const std::exception& e) {
    return give(std::string("the host's HTTP service failed: ") + e.what(), CORRAL_ERR_INTERNAL, out, out_len);
  } catch (...) {
    return CORRAL_ERR_INTERNAL;
  }
}

}  // namespace

int64_t monotonic_ms() { return steady_millis(std::chrono::steady_clock::now()); }

HostServices::HostServices(std::string plugin_file, std::shared_ptr<const HostHttpClient> http)
    : name_(std::move(plugin_file)), http_(std::move(http)) {
  table_.abi_major = CORRAL_PLUGIN_ABI_MAJOR;
  table_.abi_minor = CORRAL_PLUGIN_ABI_MINOR;
  table_.struct_size = sizeof(corral_host_v1);
  table_.reserved = 0;
  table_.host_ctx = this;
  table_.log = &plugin_log;
  table_.now_unix_ms = [](void*) -> int64_t { return unix_millis(std::chrono::system_clock::now()); };
  table_.monotonic_ms = [](void*) { return monotonic_ms(); };
  table_.random_bytes = [](void*, uint8_t* out, size_t len) -> corral_status {
    if (len == 0) return CORRAL_OK;
    if (out == nullptr || len > static_cast<size_t>(INT32_MAX)) return CORRAL_ERR_INVALID_ARGUMENT;
    return RAND_bytes(out, static_cast<int>(len)) == 1 ? CORRAL_OK : CORRAL_ERR_INTERNAL;
  };
  table_.call_deadline_ms = [](void*, const corral_call* c) -> int64_t { return c ? c->deadline_ms : 0; };
  table_.call_cancelled = [](void*, const corral_call* c) -> int32_t {
    return c && c->cancelled && c->cancelled->load() ? 1 : 0;
  };
  table_.http_request = &plugin_http;
  table_.free_buffer = [](void*, uint8_t* data, size_t) { std::free(data); };
}

void HostServices::set_plugin_name(std::string name) {
  std::lock_guard lock(mu_);
  name_ = std::move(name);
}

std::string HostServices::plugin_name() const {
  std::lock_guard lock(mu_);
  return name_;
}

}  // namespace corral::manager::providers
