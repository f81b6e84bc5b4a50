#include "manager/providers/isolated_client.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "common/log.h"
#include "manager/providers/host_services.h"
#include "manager/providers/in_process_client.h"
#include "manager/providers/plugin_host_protocol.h"

namespace corral::manager::providers {
namespace pp = pipe_protocol;

namespace {

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return "killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended";
}

}  // namespace

Result<std::shared_ptr<IsolatedClient>> IsolatedClient::start(Options options) {
  std::shared_ptr<IsolatedClient> c(new IsolatedClient(std::move(options)));
  std::unique_lock lock(c->mu_);
  if (Status s = c->spawn_locked(lock); !s.ok()) return s;
  log::info("plugin.loaded", {{"file", c->options_.load.file},
                              {"name", c->description_.name()},
                              {"version", c->description_.version()},
                              {"isolation", "process"},
                              {"pid", static_cast<int64_t>(c->pid_)}});
  return c;
}

IsolatedClient::~IsolatedClient() {
  std::unique_lock lock(mu_);
  stop_locked(lock);
}

pid_t IsolatedClient::host_pid() const {
  std::lock_guard lock(mu_);
  return alive_ ? pid_ : 0;
}

std::string IsolatedClient::name() const {
  return description_.name().empty() ? options_.load.file : description_.name();
}

void IsolatedClient::stop_locked(std::unique_lock<std::mutex>& lock) {
  if (socket_ >= 0) ::shutdown(socket_, SHUT_RDWR);  // the host sees EOF and leaves
  pid_t pid = pid_;
  bool was_alive = alive_;
  lock.unlock();
  if (reader_.joinable()) reader_.join();  // ends at EOF; reaps the process
  lock.lock();
  if (was_alive && pid > 0 && alive_) ::kill(pid, SIGKILL);
  if (socket_ >= 0) ::close(socket_);
  socket_ = -1;
}

Status IsolatedClient::spawn_locked(std::unique_lock<std::mutex>& lock) {
  if (reader_.joinable()) {
    lock.unlock();
    reader_.join();
    lock.lock();
  }
  if (socket_ >= 0) ::close(socket_);
  socket_ = -1;
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return error(ErrorCode::internal, std::string("socketpair: ") + std::strerror(errno));
  }
  std::vector<std::string> args = {options_.host_binary, "--plugin-dir", options_.load.plugin_dir, "--file",
                                   options_.load.file};
  if (!options_.load.sha256.empty()) {
    args.push_back("--sha256");
    args.push_back(options_.load.sha256);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(sv[0]);
    ::close(sv[1]);
    return error(ErrorCode::internal, std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::dup2(sv[1], 0);
    ::dup2(sv[1], 1);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  ::close(sv[1]);
  socket_ = sv[0];
  pid_ = pid;

  // The first frame is the plugin's Describe; until it comes, nothing else is sent.
  timeval tv{};
  tv.tv_sec = options_.start_timeout.count() / 1000;
  tv.tv_usec = static_cast<suseconds_t>((options_.start_timeout.count() % 1000) * 1000);
  ::setsockopt(socket_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  auto first = pp::read_frame(socket_);
  tv = {};
  ::setsockopt(socket_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::optional<pp::Response> hello;
  if (first) hello = pp::decode_response(*first);
  pv1::DescribeResponse description;
  if (!hello || hello->status != CORRAL_OK || !description.ParseFromString(hello->payload)) {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(socket_);
    socket_ = -1;
    pid_ = 0;
    std::string why = WIFEXITED(status) && WEXITSTATUS(status) == pp::kLoadFailedExitCode
                          ? "refused to load it (the reason is in the log)"
                          : describe_exit(status) + " before answering Describe";
    return error(ErrorCode::failed_precondition, "plugin " + options_.load.file + ": corral-plugin-host " + why);
  }
  if (description_.name().empty()) {
    description_ = std::move(description);
  } else if (description.name() != description_.name()) {
    log::warn("plugin.changed", {{"file", options_.load.file}, {"was", description_.name()}, {"now", description.name()}});
  }
  alive_ = true;
  ++generation_;
  reader_ = std::thread([this, fd = socket_, gen = generation_] { read_loop(fd, gen); });
  return {};
}

void IsolatedClient::read_loop(int fd, uint64_t generation) {
  while (auto body = pp::read_frame(fd)) {
    auto r = pp::decode_response(*body);
    if (!r) break;
    std::lock_guard lock(mu_);
    auto it = pending_.find(r->id);
    if (it == pending_.end()) continue;  // its caller gave up (deadline)
    it->second->done = true;
    it->second->status = r->status;
    it->second->payload = std::move(r->payload);
    pending_.erase(it);
    cv_.notify_all();
  }
  // EOF: the process ended (or we shut it down). Reap it and fail what was in flight.
  pid_t pid;
  {
    std::lock_guard lock(mu_);
    if (generation != generation_) return;
    pid = pid_;
  }
  int status = 0;
  ::kill(pid, SIGKILL);  // a host that closed its end but lingers
  ::waitpid(pid, &status, 0);
  std::lock_guard lock(mu_);
  alive_ = false;
  death_ = describe_exit(status);
  bool crashed = WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL;
  if (crashed) ++crashes_in_a_row_;
  for (auto& [id, p] : pending_) {
    p->done = true;
    p->status = CORRAL_ERR_UNAVAILABLE;
    p->payload = "plugin '" + name() + "': its plugin host process " + death_ +
                 " during the call; a new one starts for the next call";
  }
  pending_.clear();
  cv_.notify_all();
  if (crashed) log::error("plugin.host_died", {{"plugin", name()}, {"pid", static_cast<int64_t>(pid)}, {"why", death_}});
}

Result<std::string> IsolatedClient::invoke(corral_method method, const std::string& request,
                                           const CallOptions& options) {
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  std::unique_lock lock(mu_);
  if (!alive_) {
    // Restart, waiting longer each time it keeps crashing (0.1 s, 0.2 s, ... at most 5 s).
    if (crashes_in_a_row_ > 0) {
      auto wait = std::chrono::milliseconds(std::min(5000, 100 << std::min(crashes_in_a_row_ - 1, 6)));
      lock.unlock();
      std::this_thread::sleep_for(wait);
      lock.lock();
    }
    if (!alive_) {
      if (Status s = spawn_locked(lock); !s.ok()) return s;
      log::info("plugin.host_restarted", {{"plugin", name()}, {"pid", static_cast<int64_t>(pid_)}, {"after", death_}});
    }
  }
  uint64_t id = next_id_++;
  auto pending = std::make_shared<Pending>();
  pending_[id] = pending;
  pp::Request frame{id, method, static_cast<uint32_t>(std::max<int64_t>(1, options.timeout.count())), request};
  if (!pp::send_all(socket_, pp::encode(frame))) {
    pending_.erase(id);
    return error(ErrorCode::unavailable, "plugin '" + name() + "': cannot reach its plugin host process");
  }
  if (!cv_.wait_until(lock, deadline + std::chrono::milliseconds(200), [&] { return pending->done; })) {
    pending_.erase(id);
    return error(ErrorCode::unavailable, "plugin '" + name() + "' " + method_name(method) +
                                             ": no answer within the deadline (" +
                                             std::to_string(options.timeout.count()) + " ms)");
  }
  if (pending->status == CORRAL_OK) {
    crashes_in_a_row_ = 0;
    return std::move(pending->payload);
  }
  return error(pending->status == CORRAL_ERR_UNAVAILABLE ? ErrorCode::unavailable : ErrorCode::internal,
               pending->payload);
}

}  // namespace corral::manager::providers
