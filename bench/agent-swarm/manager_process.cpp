#include "bench/agent-swarm/manager_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "bench/agent-swarm/fd_limit.h"
#include "common/files.h"
#include "common/http/client.h"

namespace corral::bench {

ManagerProcess::~ManagerProcess() {
  if (pid_ > 0 && !exited()) stop(std::chrono::seconds(30));
}

Status ManagerProcess::start() {
  std::vector<std::string> args = {launch_.binary,
                                   "--data-dir",
                                   launch_.data_dir,
                                   "--config",
                                   launch_.config_path,
                                   "--api-listen",
                                   "127.0.0.1:" + std::to_string(launch_.api_port),
                                   "--agent-listen",
                                   "127.0.0.1:" + std::to_string(launch_.agent_port)};
  // Built before fork: the child may only make async-signal-safe calls until exec.
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int log_fd = ::open(launch_.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return error(ErrorCode::internal, "cannot open " + launch_.log_path + ": " + std::strerror(errno));
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    return error(ErrorCode::internal, std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    if (launch_.nofile && !lower_fd_limit(launch_.nofile)) ::_exit(126);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  pid_ = pid;
  exit_status_.reset();
  return {};
}

Status ManagerProcess::wait_healthy(std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last = "no answer yet";
  while (std::chrono::steady_clock::now() < deadline) {
    if (exited()) {
      std::string status = std::to_string(exit_status_.value_or(-1));
      return error(ErrorCode::unavailable,
                   "the manager exited with status " + status + " (see " + launch_.log_path + ")");
    }
    auto ca = read_file(launch_.data_dir + "/ca.crt");
    if (ca.ok()) {
      http::Request request;
      request.url = api_url() + "/healthz";
      request.tls.ca_pem = *ca;
      request.timeout = std::chrono::seconds(5);
      auto r = http::perform(request);
      if (r.ok() && r->status == 200) return {};
      last = r.ok() ? "status " + std::to_string(r->status) : r.status().message();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return error(ErrorCode::unavailable,
               "the manager did not answer /healthz within " + std::to_string(timeout.count()) + " s: " + last);
}

void ManagerProcess::terminate() {
  if (pid_ > 0 && !exit_status_) ::kill(pid_, SIGTERM);
}

bool ManagerProcess::exited() {
  if (pid_ <= 0 || exit_status_) return true;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
  }
  return false;
}

std::optional<int> ManagerProcess::stop(std::chrono::seconds timeout) {
  if (exited()) return exit_status_;
  terminate();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (exited()) return exit_status_;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  while (!exited()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return std::nullopt;
}

}  // namespace corral::bench
