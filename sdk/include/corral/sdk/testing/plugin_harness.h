// A minimal host for testing a provider plugin through its C ABI, the way the manager loads it:
// Boost.DLL, the entry alias, the ABI check before any other call, serialized protobuf across.
// It is what the conformance kit runs on; plugin authors can also use it in their own tests.
//
// Host services here are for tests: logs go to stderr, the clocks and randomness are real,
// deadlines and cancellation work, and http_request answers CORRAL_ERR_UNAVAILABLE unless the
// test installs a handler (set_http_handler) — the manager's real HTTP client is not part of the
// SDK.
#pragma once

#include <boost/dll/import.hpp>
#include <boost/dll/shared_library.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "corral/plugin_abi.h"
#include "corral/provider/v1/provider.pb.h"

// The host's per-call context (opaque to plugins).
struct corral_call {
  int64_t deadline_ms = 0;  // monotonic, 0: none
  std::atomic<bool> cancelled{false};
};

namespace corral::sdk::testing {

namespace pv1 = ::corral::provider::v1;

inline const char* status_name(corral_status s) {
  const char* name = corral_status_name(s);
  return name != nullptr ? name : "UNKNOWN_STATUS";
}

// The raw outcome of one invoke.
struct RawResult {
  corral_status status = CORRAL_OK;
  std::string bytes;  // the response, or the plugin's explanation when status != OK
};

class PluginHarness {
 public:
  using HttpHandler = std::function<pv1::HttpResponse(const pv1::HttpRequest&)>;

  // Loads `path` and checks the ABI; throws std::runtime_error naming the problem.
  explicit PluginHarness(const std::string& path) {
    host_.abi_major = CORRAL_PLUGIN_ABI_MAJOR;
    host_.abi_minor = CORRAL_PLUGIN_ABI_MINOR;
    host_.struct_size = sizeof(corral_host_v1);
    host_.reserved = 0;
    host_.host_ctx = this;
    host_.log = &PluginHarness::log;
    host_.now_unix_ms = [](void*) -> int64_t {
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
    host_.monotonic_ms = [](void*) { return monotonic_now_ms(); };
    host_.random_bytes = [](void*, uint8_t* out, size_t len) -> corral_status {
      std::random_device rd;
      for (size_t i = 0; i < len; ++i) out[i] = static_cast<uint8_t>(rd());
      return CORRAL_OK;
    };
    host_.call_deadline_ms = [](void*, const corral_call* c) -> int64_t { return c ? c->deadline_ms : 0; };
    host_.call_cancelled = [](void*, const corral_call* c) -> int32_t { return c && c->cancelled.load() ? 1 : 0; };
    host_.http_request = &PluginHarness::http;
    host_.free_buffer = [](void*, uint8_t* data, size_t) { std::free(data); };

    try {
      lib_ = std::make_shared<boost::dll::shared_library>(
          path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    } catch (const std::exception& e) {
      throw std::runtime_error(path + ": not a loadable shared library: " + e.what());
    }
    if (!lib_->has(CORRAL_PLUGIN_ENTRY_NAME)) {
      throw std::runtime_error(path + ": not a Corral provider plugin (no " CORRAL_PLUGIN_ENTRY_NAME " entry)");
    }
    auto entry = boost::dll::import_alias<corral_status(const corral_host_v1*, const corral_plugin_v1**)>(
        *lib_, CORRAL_PLUGIN_ENTRY_NAME);
    const corral_plugin_v1* table = nullptr;
    corral_status s = entry(&host_, &table);
    if (s != CORRAL_OK || table == nullptr) {
      throw std::runtime_error(path + ": entry failed: " + status_name(s));
    }
    if (table->abi_major != CORRAL_PLUGIN_ABI_MAJOR || table->struct_size < sizeof(corral_plugin_v1)) {
      throw std::runtime_error(path + ": plugin ABI " + std::to_string(table->abi_major) + "." +
                               std::to_string(table->abi_minor) + ", this host speaks " +
                               std::to_string(CORRAL_PLUGIN_ABI_MAJOR) + ".x");
    }
    plugin_ = table;
  }

  ~PluginHarness() {
    if (plugin_) plugin_->shutdown(plugin_->plugin_ctx);
  }
  PluginHarness(const PluginHarness&) = delete;
  PluginHarness& operator=(const PluginHarness&) = delete;

  const corral_plugin_v1* table() const { return plugin_; }

  void set_http_handler(HttpHandler handler) {
    std::lock_guard<std::mutex> lock(mu_);
    http_ = std::move(handler);
  }

  // Log lines the plugin wrote (event names), for assertions.
  std::vector<std::string> logged_events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

  RawResult invoke_raw(corral_method method, const std::string& request,
                       std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    corral_call call;
    call.deadline_ms = monotonic_now_ms() + timeout.count();
    uint8_t* out = nullptr;
    size_t out_len = 0;
    RawResult r;
    r.status = plugin_->invoke(plugin_->plugin_ctx, &call, method, reinterpret_cast<const uint8_t*>(request.data()),
                               request.size(), &out, &out_len);
    if (out != nullptr) {
      r.bytes.assign(reinterpret_cast<const char*>(out), out_len);
      plugin_->free_buffer(plugin_->plugin_ctx, out, out_len);
    }
    return r;
  }

  // Typed call; throws std::runtime_error when the call itself fails.
  template <typename Response, typename Request>
  Response invoke(corral_method method, const Request& request) {
    RawResult r = invoke_raw(method, request.SerializeAsString());
    if (r.status != CORRAL_OK) {
      throw std::runtime_error(std::string("invoke failed: ") + status_name(r.status) + ": " + r.bytes);
    }
    Response response;
    if (!response.ParseFromString(r.bytes)) throw std::runtime_error("undecodable response");
    return response;
  }

 private:
  static int64_t monotonic_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  static void log(void* ctx, const uint8_t* record, size_t len) {
    auto* self = static_cast<PluginHarness*>(ctx);
    pv1::LogRecord rec;
    if (!rec.ParseFromArray(record, static_cast<int>(len))) return;
    std::string line = "plugin log: " + rec.event();
    for (const auto& [k, v] : rec.fields()) line += " " + k + "=" + v;
    std::fprintf(stderr, "%s\n", line.c_str());
    std::lock_guard<std::mutex> lock(self->mu_);
    self->events_.push_back(rec.event());
  }

  static corral_status http(void* ctx, const corral_call*, const uint8_t* in, size_t in_len, uint8_t** out,
                            size_t* out_len) {
    auto* self = static_cast<PluginHarness*>(ctx);
    HttpHandler handler;
    {
      std::lock_guard<std::mutex> lock(self->mu_);
      handler = self->http_;
    }
    *out = nullptr;
    *out_len = 0;
    if (!handler) return CORRAL_ERR_UNAVAILABLE;
    pv1::HttpRequest req;
    if (!req.ParseFromArray(in, static_cast<int>(in_len))) return CORRAL_ERR_INVALID_ARGUMENT;
    std::string bytes = handler(req).SerializeAsString();
    *out = static_cast<uint8_t*>(std::malloc(bytes.empty() ? 1 : bytes.size()));
    if (*out == nullptr) return CORRAL_ERR_INTERNAL;
    std::memcpy(*out, bytes.data(), bytes.size());
    *out_len = bytes.size();
    return CORRAL_OK;
  }

  corral_host_v1 host_{};
  std::shared_ptr<boost::dll::shared_library> lib_;
  const corral_plugin_v1* plugin_ = nullptr;
  mutable std::mutex mu_;
  HttpHandler http_;
  std::vector<std::string> events_;
};

}  // namespace corral::sdk::testing
