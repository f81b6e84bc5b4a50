// Child processes for integration tests: start a real binary with arguments and environment,
// send its output to a log file, wait for a line in that log, stop it by signal. Every child is
// killed when its Process object goes away, so a failing test leaves nothing running.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace corral::testing {

// What a child reads on stdin (empty: the test's own) and where it runs (empty: here).
struct ChildSetup {
  std::string stdin_path;
  std::string working_dir;
};

class Process {
 public:
  Process() = default;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  ~Process();

  // Starts PROGRAM with ARGS; stdout and stderr go to LOG_PATH (appended).
  static Process start(const std::string& program, const std::vector<std::string>& args, const std::string& log_path,
                       const std::map<std::string, std::string>& extra_env = {}, const ChildSetup& setup = {});

  pid_t pid() const { return pid_; }
  bool running();
  // Sends SIGTERM and waits; returns the exit code (128+signal if killed), or nullopt on timeout.
  std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void kill_now();
  // Waits for the process to exit by itself.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  const std::string& log_path() const { return log_path_; }
  std::string log() const;
  // Polls the log until it contains NEEDLE.
  bool wait_for_log(const std::string& needle, std::chrono::milliseconds timeout) const;
  // How many times NEEDLE occurs in the log.
  int count_in_log(const std::string& needle) const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string log_path_;
};

// Every wait in these tests is a safety net against a hang, never a measurement: whatever a test
// asks for, it waits at least this long before giving up, so two busy cores or a sanitizer build
// make a test slower, not red. (ctest's own per-test timeout stays the backstop.)
inline constexpr std::chrono::milliseconds kMinPatience{60'000};

// Polls CONDITION every 50 ms until it holds, or gives up after TIMEOUT (at least kMinPatience).
template <typename F>
bool eventually(F condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + std::max(timeout, kMinPatience);
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    struct timespec ts {
      0, 50 * 1000 * 1000
    };
    nanosleep(&ts, nullptr);
  }
}

// A fresh directory under the system temp dir, removed by the caller (or left for inspection).
std::string make_temp_dir(const std::string& prefix);

}  // namespace corral::testing
