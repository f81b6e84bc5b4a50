// C++ view of the host services a plugin receives (corral_host_v1). Header-only; nothing here
// crosses the ABI except through the C table.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "corral/plugin_abi.h"
#include "corral/provider/v1/provider.pb.h"

namespace corral::sdk {

namespace pv1 = ::corral::provider::v1;

// The host's services. Copyable handle; valid until the plugin is shut down.
class Host {
 public:
  explicit Host(const corral_host_v1* table) : t_(table) {}

  const corral_host_v1* table() const { return t_; }
  uint32_t abi_minor() const { return t_->abi_minor; }

  void log(pv1::LogRecord::Level level, std::string_view event,
           std::initializer_list<std::pair<std::string_view, std::string_view>> fields = {}) const {
    pv1::LogRecord rec;
    rec.set_level(level);
    rec.set_event(std::string(event));
    for (const auto& [k, v] : fields) (*rec.mutable_fields())[std::string(k)] = std::string(v);
    std::string bytes = rec.SerializeAsString();
    t_->log(t_->host_ctx, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  void info(std::string_view event, std::initializer_list<std::pair<std::string_view, std::string_view>> f = {}) const {
    log(pv1::LogRecord::LEVEL_INFO, event, f);
  }
  void warn(std::string_view event, std::initializer_list<std::pair<std::string_view, std::string_view>> f = {}) const {
    log(pv1::LogRecord::LEVEL_WARN, event, f);
  }
  void error(std::string_view event,
             std::initializer_list<std::pair<std::string_view, std::string_view>> f = {}) const {
    log(pv1::LogRecord::LEVEL_ERROR, event, f);
  }

  int64_t now_unix_ms() const { return t_->now_unix_ms(t_->host_ctx); }
  int64_t monotonic_ms() const { return t_->monotonic_ms(t_->host_ctx); }

  // Cryptographically secure random bytes; throws std::runtime_error if the host cannot.
  std::string random_bytes(size_t n) const {
    std::string out(n, '\0');
    if (n > 0 && t_->random_bytes(t_->host_ctx, reinterpret_cast<uint8_t*>(out.data()), n) != CORRAL_OK) {
      throw std::runtime_error("host random_bytes failed");
    }
    return out;
  }

 private:
  const corral_host_v1* t_;
};

// Outcome of Call::http: either a response (any status) or a status for the call itself.
struct HttpResult {
  corral_status status = CORRAL_OK;  // CORRAL_ERR_CANCELLED / _DEADLINE / _INVALID_ARGUMENT ...
  std::string status_message;
  pv1::HttpResponse response;

  bool ok() const { return status == CORRAL_OK && response.transport_error().empty(); }
};

// One provider call in progress: its deadline, cancellation and the host services bound to it.
class Call {
 public:
  Call(Host host, const corral_call* call) : host_(host), call_(call) {}

  const Host& host() const { return host_; }
  const corral_call* raw() const { return call_; }

  bool cancelled() const {
    const corral_host_v1* t = host_.table();
    return t->call_cancelled(t->host_ctx, call_) != 0;
  }
  // Monotonic ms (Host::monotonic_ms) at which the call must end; 0 when unbounded.
  int64_t deadline_ms() const {
    const corral_host_v1* t = host_.table();
    return t->call_deadline_ms(t->host_ctx, call_);
  }

  // Sends an HTTP request through the host (its proxy, CA bundle, retries and deadline).
  HttpResult http(const pv1::HttpRequest& request) const {
    const corral_host_v1* t = host_.table();
    std::string in = request.SerializeAsString();
    uint8_t* out = nullptr;
    size_t out_len = 0;
    HttpResult result;
    result.status =
        t->http_request(t->host_ctx, call_, reinterpret_cast<const uint8_t*>(in.data()), in.size(), &out, &out_len);
    if (out != nullptr) {
      if (result.status == CORRAL_OK) {
        if (!result.response.ParseFromArray(out, static_cast<int>(out_len))) {
          result.status = CORRAL_ERR_INTERNAL;
          result.status_message = "host returned an undecodable HttpResponse";
        }
      } else {
        result.status_message.assign(reinterpret_cast<const char*>(out), out_len);
      }
      t->free_buffer(t->host_ctx, out, out_len);
    }
    return result;
  }

 private:
  Host host_;
  const corral_call* call_;
};

}  // namespace corral::sdk
