#include "manager/providers/host_services.h"

#include <openssl/rand.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/log.h"
#include "corral/provider/v1/provider.pb.h"

namespace corral::manager::providers {
namespace {

namespace pv1 = ::corral::provider::v1;

HostServices* self(void* ctx) { return static_cast<HostServices*>(ctx); }

void plugin_log(void* ctx, const uint8_t* record, size_t len) {
  pv1::LogRecord rec;
  if (record == nullptr || !rec.ParseFromArray(record, static_cast<int>(len))) {
    log::warn("plugin.bad_log_record", {{"plugin", self(ctx)->plugin_name()}});
    return;
  }
  // common/log redacts secret-looking keys; the plugin's fields go through the same writer.
  std::vector<log::Field> fields;
  fields.emplace_back("plugin", self(ctx)->plugin_name());
  for (const auto& [k, v] : rec.fields()) fields.emplace_back(k, v);
  log::Level level = log::Level::info;
  switch (rec.level()) {
    case pv1::LogRecord::LEVEL_DEBUG: level = log::Level::debug; break;
    case pv1::LogRecord::LEVEL_WARN: level = log::Level::warn; break;
    case pv1::LogRecord::LEVEL_ERROR: level = log::Level::error; break;
    default: break;
  }
  if (log::enabled(level)) log::write_fields(level, rec.event().empty() ? "plugin.log" : rec.event(), fields);
}

}  // namespace

int64_t monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

HostServices::HostServices(std::string plugin_file) : name_(std::move(plugin_file)) {
  table_.abi_major = CORRAL_PLUGIN_ABI_MAJOR;
  table_.abi_minor = CORRAL_PLUGIN_ABI_MINOR;
  table_.struct_size = sizeof(corral_host_v1);
  table_.reserved = 0;
  table_.host_ctx = this;
  table_.log = &plugin_log;
  table_.now_unix_ms = [](void*) -> int64_t {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
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
  // The HTTP client for plugins (libcurl, proxies, CA bundle, retries) is not built yet.
  table_.http_request = [](void*, const corral_call*, const uint8_t*, size_t, uint8_t** out,
                           size_t* out_len) -> corral_status {
    static const char kWhy[] = "the manager's HTTP service for plugins is not available yet";
    *out = static_cast<uint8_t*>(std::malloc(sizeof kWhy - 1));
    *out_len = *out ? sizeof kWhy - 1 : 0;
    if (*out) std::memcpy(*out, kWhy, sizeof kWhy - 1);
    return CORRAL_ERR_UNAVAILABLE;
  };
  table_.free_buffer = [](void*, uint8_t* data, size_t) { std::free(data); };
}

}  // namespace corral::manager::providers
