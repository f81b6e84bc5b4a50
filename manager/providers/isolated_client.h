// A provider plugin running in its own corral-plugin-host process (docs/plugin-abi.md, "Process
// isolation"). Calls go over a socket pair (plugin_host_protocol.h) and run concurrently,
// multiplexed by request id. The plugin's process may die or hang; the manager carries on:
// - it dies (a crash, a kill): every call in flight fails with an error naming the plugin and the
//   signal, and the next call starts a new process. Processes that keep dying before answering
//   a single call are restarted after a back-off (0.1 s doubling to max_backoff).
// - a call outlives its deadline by deadline_grace: that call fails and the process is retired:
//   new calls go to a new process, the other calls in flight on the old one finish (each up to its
//   own deadline), and the old one is killed once nothing but overdue or cancelled calls are left
//   on it (or shut down in order if those answered too).
// - a call is cancelled (CallOptions::cancelled): the process is told, the plugin sees it through
//   call_cancelled, and the call returns at once with an error.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "corral/config/v1/config.pb.h"
#include "manager/providers/host_launch.h"
#include "manager/providers/plugin_loader.h"
#include "manager/providers/provider_client.h"

namespace corral::manager::providers {

class IsolatedClient final : public ProviderClient {
 public:
  struct Options {
    std::string host_binary;  // corral-plugin-host
    LoadOptions load;         // plugin_dir, file, sha256
    // The file as the caller checked it: every host process loads this descriptor (and hashes it
    // again before loading), so the hash logged is the code run. Null: checked by start().
    std::shared_ptr<const CheckedPluginFile> checked;
    // Sent to the child for its HTTP service (corral_host_v1.http_request).
    corral::config::v1::PluginHttpConfig http;
    // The user the host becomes when this process is root (plugins.user); empty: this process's.
    std::string user;
    // Paths the plugin may read and run, or also write, besides the system directories and its
    // private temp directory (Landlock; docs/plugin-abi.md, "Process isolation").
    std::vector<std::string> allow_read;
    std::vector<std::string> allow_write;
    // Added to the host's fixed environment (nothing of this process's environment reaches it).
    std::map<std::string, std::string> environment;
    // Starting a process that loads the plugin and answers Describe.
    std::chrono::milliseconds start_timeout{std::chrono::seconds(30)};
    // How long past a call's deadline the plugin may take to answer before its process is killed.
    std::chrono::milliseconds deadline_grace{std::chrono::seconds(1)};
    // How long the plugin gets to finish its calls and shut down when the client is destroyed.
    std::chrono::milliseconds stop_timeout{std::chrono::seconds(5)};
    // The wait before restarting a host that keeps failing: backoff_base, doubling to max_backoff.
    std::chrono::milliseconds backoff_base{100};
    std::chrono::milliseconds max_backoff{std::chrono::seconds(5)};
  };

  // Starts the process and waits for its Describe; an error names the plugin file and the reason
  // the child gave (the same words as an in-process load), or the plugin user that is missing.
  static Result<std::shared_ptr<IsolatedClient>> start(Options options);
  // Lets the plugin finish its calls and shut down (stop_timeout), then kills what is left.
  ~IsolatedClient() override;

  const pv1::DescribeResponse& description() const override { return description_; }
  Result<std::string> invoke(corral_method method, const std::string& request, const CallOptions& options) override;

  // The host process's pid (0 when none runs), for tests and diagnostics.
  pid_t host_pid() const;

 private:
  struct Child;
  struct Pending;

  explicit IsolatedClient(Options options) : options_(std::move(options)) {}
  // A running child, starting one (with back-off) when needed; error when that fails or DEADLINE
  // passes first.
  Result<std::shared_ptr<Child>> acquire(std::chrono::steady_clock::time_point deadline);
  // Starts corral-plugin-host and waits until it loaded the plugin; no lock held.
  Result<std::shared_ptr<Child>> spawn_child(pv1::DescribeResponse* description);
  // Makes CHILD the current one and starts its reader.
  void adopt_locked(const std::shared_ptr<Child>& child);
  void read_loop(const std::shared_ptr<Child>& child);
  // Kills CHILD (if it has not ended) for REASON; its reader then fails the calls in flight.
  void kill_locked(Child& child, const std::string& reason);
  // No new call goes to CHILD; it ends once the calls still waited for are done.
  void retire_locked(Child& child, const std::string& why);
  // A retired CHILD with no call left that anyone waits for: shut down in order when it runs
  // nothing, killed when it still runs calls nobody waits for.
  void settle_locked(Child& child);
  void join_finished_readers();
  std::string name() const;

  Options options_;
  std::optional<PluginUser> user_;  // resolved once, at start
  std::string http_bytes_;          // options_.http serialized, the hello frame's payload
  pv1::DescribeResponse description_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<Child> current_;                // null: none usable, the next call starts one
  std::vector<std::shared_ptr<Child>> children_;  // every child whose reader is not joined yet
  bool starting_ = false;
  bool stopping_ = false;
  int failures_in_a_row_ = 0;  // processes that ended without answering a call, or failed to start
  std::chrono::steady_clock::time_point last_failure_;
  std::string last_failure_reason_;
  uint64_t next_id_ = 1;
};

}  // namespace corral::manager::providers
