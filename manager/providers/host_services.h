// The manager's side of corral_host_v1: the services every loaded plugin gets. One HostServices
// per plugin (it names the plugin in logs); it must outlive the plugin's last call.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "corral/plugin_abi.h"

// The host's per-call context; the ABI only forward-declares it.
struct corral_call {
  int64_t deadline_ms = 0;                       // monotonic ms, 0: none
  const std::atomic<bool>* cancelled = nullptr;  // may be null
};

namespace corral::manager::providers {

int64_t monotonic_ms();

class HostServices {
 public:
  explicit HostServices(std::string plugin_file);
  HostServices(const HostServices&) = delete;
  HostServices& operator=(const HostServices&) = delete;

  const corral_host_v1* table() const { return &table_; }
  // Named once Describe answered; logs use the file name until then.
  void set_plugin_name(std::string name) { name_ = std::move(name); }
  const std::string& plugin_name() const { return name_; }

 private:
  std::string name_;
  corral_host_v1 table_{};
};

}  // namespace corral::manager::providers
