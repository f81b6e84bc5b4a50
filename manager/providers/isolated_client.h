// A provider plugin running in its own corral-plugin-host process. Calls go over a socket pair
// (plugin_host_protocol.h) and may run concurrently. When the process dies — a plugin that
// crashes — every call in flight fails with an error naming the signal, the manager carries on,
// and the next call starts a new process (after a back-off that grows while it keeps dying).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "manager/providers/plugin_loader.h"
#include "manager/providers/provider_client.h"

namespace corral::manager::providers {

class IsolatedClient final : public ProviderClient {
 public:
  struct Options {
    std::string host_binary;  // corral-plugin-host
    LoadOptions load;
    // Starting a process that loads the plugin and answers Describe.
    std::chrono::milliseconds start_timeout{std::chrono::seconds(30)};
  };

  // Starts the process and waits for its Describe; an error names the plugin file.
  static Result<std::shared_ptr<IsolatedClient>> start(Options options);
  ~IsolatedClient() override;

  const pv1::DescribeResponse& description() const override { return description_; }
  Result<std::string> invoke(corral_method method, const std::string& request, const CallOptions& options) override;

  // The host process's pid (0 when none runs), for tests and diagnostics.
  pid_t host_pid() const;

 private:
  struct Pending {
    bool done = false;
    int32_t status = 0;
    std::string payload;
  };

  explicit IsolatedClient(Options options) : options_(std::move(options)) {}
  Status spawn_locked(std::unique_lock<std::mutex>& lock);
  void read_loop(int fd, uint64_t generation);
  void stop_locked(std::unique_lock<std::mutex>& lock);
  std::string name() const;

  Options options_;
  pv1::DescribeResponse description_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  pid_t pid_ = 0;
  int socket_ = -1;
  uint64_t generation_ = 0;  // bumped at each start; a reader only reports its own process
  bool alive_ = false;
  std::string death_;        // why the last process ended
  int crashes_in_a_row_ = 0;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::shared_ptr<Pending>> pending_;
  std::thread reader_;
};

}  // namespace corral::manager::providers
