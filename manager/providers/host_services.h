// The manager's side of corral_host_v1: the services every loaded plugin gets, in the manager's
// process or in corral-plugin-host. One HostServices per loaded plugin (it names the plugin in
// logs); it must outlive the plugin's last call, and every function is thread-safe.
//
// - log: decodes the LogRecord and writes it through common/log.h with plugin=<name> first. The
//   plugin's event and keys are reduced to [A-Za-z0-9._-] (a key cannot start a new log line or
//   pose as another key), keys the line already has (ts, level, component, event, plugin) get an
//   "x_" prefix, at most 32 fields of at most 1 KiB each are kept, and a value is "[redacted]"
//   when its key looks like a secret (common/log's list plus the HTTP header and query-parameter
//   names of common/http/redaction.h: authorization, cookie, *key, sig...) or the value itself
//   looks like one (a "Bearer"/"Basic" credential, a PEM private key). URLs in values lose their
//   user:password and secret-looking query values.
// - now_unix_ms, monotonic_ms (steady clock, the clock of call deadlines), random_bytes
//   (OpenSSL RAND_bytes), call_deadline_ms / call_cancelled (from the host's corral_call).
// - http_request: HostHttpClient (host_http.h), bounded by the call's deadline and cancellation.
//   Without a client (none configured) it answers CORRAL_ERR_UNAVAILABLE with a message.
// - free_buffer: frees what http_request returned (malloc).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "corral/plugin_abi.h"

// The host's per-call context; the ABI only forward-declares it.
struct corral_call {
  int64_t deadline_ms = 0;                       // monotonic ms, 0: none
  const std::atomic<bool>* cancelled = nullptr;  // may be null
};

namespace corral::manager::providers {

class HostHttpClient;

// Milliseconds of std::chrono::steady_clock: corral_host_v1.monotonic_ms and call deadlines.
int64_t monotonic_ms();

class HostServices {
 public:
  // HTTP may be null: http_request then answers CORRAL_ERR_UNAVAILABLE.
  HostServices(std::string plugin_file, std::shared_ptr<const HostHttpClient> http);
  HostServices(const HostServices&) = delete;
  HostServices& operator=(const HostServices&) = delete;

  const corral_host_v1* table() const { return &table_; }
  // Named once Describe answered; logs use the file name until then.
  void set_plugin_name(std::string name);
  std::string plugin_name() const;
  const HostHttpClient* http() const { return http_.get(); }

 private:
  mutable std::mutex mu_;
  std::string name_;
  std::shared_ptr<const HostHttpClient> http_;
  corral_host_v1 table_{};
};

}  // namespace corral::manager::providers
