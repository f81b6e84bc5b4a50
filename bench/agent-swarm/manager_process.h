// Starts and stops the corral-manager under test as a child process, so it inherits the raised
// file-descriptor limit and dies with the swarm (PR_SET_PDEATHSIG). Its log goes to a file in
// the swarm's state directory.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

#include "common/result.h"

namespace corral::bench {

struct ManagerLaunch {
  std::string binary;
  std::string data_dir;
  std::string config_path;
  std::string log_path;
  int api_port = 0;
  int agent_port = 0;
  uint64_t nofile = 0;  // non-zero: RLIMIT_NOFILE of the manager, else inherited from the swarm
};

class ManagerProcess {
 public:
  explicit ManagerProcess(ManagerLaunch launch) : launch_(std::move(launch)) {}
  ~ManagerProcess();
  ManagerProcess(const ManagerProcess&) = delete;
  ManagerProcess& operator=(const ManagerProcess&) = delete;

  // fork/exec; returns as soon as the process runs (see wait_healthy).
  Status start();
  // Polls GET /healthz until it answers 200 or TIMEOUT passes; the CA is read from the data
  // directory once the manager has written it.
  Status wait_healthy(std::chrono::seconds timeout);
  // SIGTERM; exited() then tells when it is gone.
  void terminate();
  // Non-blocking: true once the process has exited (and was reaped).
  bool exited();
  // SIGTERM, wait up to TIMEOUT, then SIGKILL. The exit status, or nullopt when it had to be killed.
  std::optional<int> stop(std::chrono::seconds timeout);

  pid_t pid() const { return pid_; }
  std::optional<int> exit_status() const { return exit_status_; }
  std::string api_url() const { return "https://127.0.0.1:" + std::to_string(launch_.api_port); }
  const ManagerLaunch& launch() const { return launch_; }

 private:
  ManagerLaunch launch_;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
};

}  // namespace corral::bench
