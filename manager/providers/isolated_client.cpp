#include "manager/providers/isolated_client.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/log.h"
#include "manager/providers/call_error.h"
#include "manager/providers/plugin_host_protocol.h"
#include "manager/providers/plugin_sandbox.h"

namespace corral::manager::providers {
namespace pp = pipe_protocol;

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct IsolatedClient::Pending {
  bool done = false;
  int32_t status = CORRAL_OK;
  std::string payload;
  std::string failure;  // set instead when the process ended under the call
};

struct IsolatedClient::Child {
  pid_t pid = 0;
  int fd = -1;  // the manager's end of the socket pair
  // Guarded by the client's mutex:
  bool ended = false;        // the process ended; from then on its pid may be reused, never signal it
  bool reader_done = false;  // the reader thread has nothing left to do and can be joined
  bool answered = false;     // it answered at least one call
  std::string kill_reason;   // set when the manager killed it, and why
  bool retired = false;      // takes no new call (one ran past its deadline)
  bool closing = false;      // its input was closed: it finishes and exits
  std::string retire_reason;
  // Calls someone waits for.
  std::map<uint64_t, std::shared_ptr<Pending>> pending;
  // Calls nobody waits for any more (past their deadline, cancelled) that may still be running.
  std::set<uint64_t> abandoned;
  std::unique_ptr<PrivateTmp> tmp;  // its private temp directory, removed once it is reaped
  // Frames from concurrent calls go out whole, one after the other.
  std::mutex write_mu;
  std::thread reader;

  ~Child() {
    if (fd >= 0) ::close(fd);
  }
};

namespace {

int64_t ms(Clock::duration d) { return std::chrono::duration_cast<milliseconds>(d).count(); }

int timeout_ms(Clock::time_point deadline) {
  return static_cast<int>(std::clamp<int64_t>(ms(deadline - Clock::now()), 0, 1 << 30));
}

std::string describe_end(const siginfo_t& info) {
  if (info.si_code == CLD_EXITED) return "exited with status " + std::to_string(info.si_status);
  if (info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED) {
    return "was killed by signal " + std::to_string(info.si_status) + " (" + strsignal(info.si_status) + ")";
  }
  return "ended";
}

std::string describe_status(int status) {
  siginfo_t info{};
  if (WIFEXITED(status)) {
    info.si_code = CLD_EXITED;
    info.si_status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    info.si_code = CLD_KILLED;
    info.si_status = WTERMSIG(status);
  }
  return describe_end(info);
}

// Kills and reaps a child that never got a reader.
int kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// Once per manager: a kernel without Landlock runs plugins without the filesystem confinement.
void log_if_landlock_unavailable() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (landlock_abi() < 1) {
      log::warn("plugin_host.landlock_unavailable",
                {{"why", "the kernel offers no Landlock; isolated plugins run without filesystem confinement"}});
    }
  });
}

}  // namespace

Result<std::shared_ptr<IsolatedClient>> IsolatedClient::start(Options options) {
  std::shared_ptr<IsolatedClient> c(new IsolatedClient(std::move(options)));
  const std::string& file = c->options_.load.file;
  for (const auto* list : {&c->options_.allow_read, &c->options_.allow_write}) {
    for (const std::string& p : *list) {
      if (p.empty() || p[0] != '/') {
        return error(ErrorCode::invalid_argument, "plugin " + file + ": the allowed path '" + p + "' is not absolute");
      }
    }
  }
  auto user = resolve_plugin_user(c->options_.user, file);
  if (!user.ok()) return user.status();
  c->user_ = *user;
  if (!c->options_.checked) {
    Result<CheckedPluginFile> checked = check_plugin_file(c->options_.load);
    if (!checked.ok()) return checked.status();
    c->options_.checked = std::make_shared<const CheckedPluginFile>(std::move(checked).value());
  }
  log_if_landlock_unavailable();
  c->http_bytes_ = c->options_.http.SerializeAsString();
  pv1::DescribeResponse description;
  auto child = c->spawn_child(&description);
  if (!child.ok()) return child.status();
  c->description_ = std::move(description);
  std::lock_guard lock(c->mu_);
  c->adopt_locked(*child);
  return c;
}

IsolatedClient::~IsolatedClient() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  cv_.notify_all();
  cv_.wait(lock, [&] { return !starting_; });
  // End of input: the child lets its calls finish, shuts the plugin down and exits.
  for (auto& c : children_) {
    if (!c->ended) ::shutdown(c->fd, SHUT_WR);
  }
  auto all_ended = [&] {
    return std::all_of(children_.begin(), children_.end(), [](const auto& c) { return c->ended; });
  };
  if (!cv_.wait_for(lock, options_.stop_timeout, all_ended)) {
    for (auto& c : children_) {
      if (c->ended) continue;
      log::warn("plugin.host_stop_timeout", {{"plugin", name()},
                                             {"pid", static_cast<int64_t>(c->pid)},
                                             {"timeout_ms", static_cast<int64_t>(options_.stop_timeout.count())}});
      kill_locked(*c, "its plugin host process did not stop within " + std::to_string(options_.stop_timeout.count()) +
                          " ms and was killed");
    }
  }
  std::vector<std::shared_ptr<Child>> children = std::move(children_);
  children_.clear();
  lock.unlock();
  for (auto& c : children) {
    if (c->reader.joinable()) c->reader.join();
  }
}

pid_t IsolatedClient::host_pid() const {
  std::lock_guard lock(mu_);
  return current_ ? current_->pid : 0;
}

std::string IsolatedClient::name() const {
  return description_.name().empty() ? options_.load.file : description_.name();
}

Result<std::shared_ptr<IsolatedClient::Child>> IsolatedClient::spawn_child(pv1::DescribeResponse* description) {
  const std::string& file = options_.load.file;
  auto refuse = [&](const std::string& why) {
    return Status(ErrorCode::failed_precondition, "plugin " + file + ": " + why);
  };
  if (::access(options_.host_binary.c_str(), X_OK) != 0) {
    return refuse("cannot run corral-plugin-host " + options_.host_binary + ": " + std::strerror(errno));
  }
  const CheckedPluginFile& checked = *options_.checked;
  auto tmp = PrivateTmp::create(user_);
  if (!tmp.ok()) return refuse(tmp.status().message());
  const std::string tmp_dir = (*tmp)->path();
  std::vector<std::string> args = {options_.host_binary, "--file",    file,   "--sha256",
                                   checked.sha256(),     "--tmp-dir", tmp_dir};
  if (user_) {
    args.insert(args.end(), {"--uid", std::to_string(user_->uid), "--gid", std::to_string(user_->gid)});
  }
  for (const std::string& p : options_.allow_read) {
    args.emplace_back("--allow-read");
    args.push_back(p);
  }
  for (const std::string& p : options_.allow_write) {
    args.emplace_back("--allow-write");
    args.push_back(p);
  }
  std::vector<std::string> env =
      host_environment(tmp_dir, options_.http.proxy_from_environment(), options_.environment);
  auto launched = launch_host(args, env, tmp_dir, checked.fd());
  if (!launched.ok()) {
    return refuse("cannot start corral-plugin-host " + options_.host_binary + ": " + launched.status().message());
  }
  const pid_t pid = launched->pid;
  auto child = std::make_shared<Child>();
  child->pid = pid;
  child->fd = launched->channel;
  child->tmp = std::move(tmp).value();

  // hello → ready. The child checks and loads the plugin in between.
  auto deadline = Clock::now() + options_.start_timeout;
  pp::Frame hello;
  hello.type = pp::FrameType::hello;
  hello.payload = http_bytes_;
  std::optional<std::string> hello_bytes = pp::encode(hello);
  std::string body;
  pp::ReadStatus rs = pp::ReadStatus::io_error;
  if (hello_bytes && pp::write_all(child->fd, *hello_bytes, timeout_ms(deadline))) {
    rs = pp::read_frame(child->fd, &body, timeout_ms(deadline));
  }
  std::optional<pp::Frame> ready;
  if (rs == pp::ReadStatus::ok) ready = pp::decode(body);
  if (rs == pp::ReadStatus::ok && ready && ready->type == pp::FrameType::ready && ready->status != CORRAL_OK) {
    kill_and_reap(pid);
    // The child's words, which name the file as an in-process load would.
    return error(ErrorCode::failed_precondition, ready->payload);
  }
  if (rs == pp::ReadStatus::timeout) {
    kill_and_reap(pid);
    return refuse("corral-plugin-host did not load it within " + std::to_string(options_.start_timeout.count()) +
                  " ms");
  }
  if (rs != pp::ReadStatus::ok) {
    int status = kill_and_reap(pid);
    return refuse("corral-plugin-host " + describe_status(status) + " before the plugin was loaded");
  }
  if (!ready || ready->type != pp::FrameType::ready || !description->ParseFromString(ready->payload) ||
      description->name().empty()) {
    kill_and_reap(pid);
    return refuse("corral-plugin-host answered with something other than the plugin's Describe");
  }
  return child;
}

void IsolatedClient::adopt_locked(const std::shared_ptr<Child>& child) {
  current_ = child;
  children_.push_back(child);
  child->reader = std::thread([this, child] { read_loop(child); });
  log::info("plugin.host_started", {{"plugin", name()},
                                    {"pid", static_cast<int64_t>(child->pid)},
                                    {"user", user_ ? user_->name : std::string("(the manager's)")},
                                    {"sha256", options_.checked->sha256()}});
}

Result<std::shared_ptr<IsolatedClient::Child>> IsolatedClient::acquire(Clock::time_point deadline) {
  std::unique_lock lock(mu_);
  while (true) {
    if (stopping_) return error(ErrorCode::unavailable, "plugin '" + name() + "': the client is shutting down");
    if (current_) return current_;
    if (starting_) {
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && starting_) {
        return error(ErrorCode::unavailable, "plugin '" + name() + "': its plugin host process is still starting");
      }
      continue;
    }
    if (failures_in_a_row_ > 0) {
      // backoff_base after the first failure, doubling up to max_backoff.
      milliseconds doubled(options_.backoff_base.count() << std::min(failures_in_a_row_ - 1, 16));
      auto wait = std::min<Clock::duration>(options_.max_backoff, doubled);
      auto allowed = last_failure_ + wait;
      if (allowed > Clock::now()) {
        if (allowed > deadline) {
          return error(ErrorCode::unavailable, "plugin '" + name() + "': its plugin host process keeps failing (" +
                                                   last_failure_reason_ + "); the next start is in " +
                                                   std::to_string(ms(allowed - Clock::now())) +
                                                   " ms, after this call's deadline");
        }
        cv_.wait_until(lock, allowed);
        continue;
      }
    }
    starting_ = true;
    lock.unlock();
    join_finished_readers();
    pv1::DescribeResponse description;
    auto child = spawn_child(&description);
    lock.lock();
    starting_ = false;
    cv_.notify_all();
    if (!child.ok()) {
      ++failures_in_a_row_;
      last_failure_ = Clock::now();
      last_failure_reason_ = child.status().message();
      log::error("plugin.host_start_failed", {{"plugin", name()}, {"why", child.status().message()}});
      return child.status();
    }
    if (description.name() != description_.name()) {
      log::warn("plugin.changed",
                {{"file", options_.load.file}, {"was", description_.name()}, {"now", description.name()}});
    }
    adopt_locked(*child);
    if (stopping_) continue;  // the destructor stops it
    return *child;
  }
}

void IsolatedClient::join_finished_readers() {
  std::vector<std::shared_ptr<Child>> done;
  {
    std::lock_guard lock(mu_);
    auto it = std::stable_partition(children_.begin(), children_.end(), [](const auto& c) { return !c->reader_done; });
    done.assign(std::make_move_iterator(it), std::make_move_iterator(children_.end()));
    children_.erase(it, children_.end());
  }
  for (auto& c : done) c->reader.join();
}

void IsolatedClient::kill_locked(Child& child, const std::string& reason) {
  if (child.ended) return;
  if (child.kill_reason.empty()) child.kill_reason = reason;
  ::kill(child.pid, SIGKILL);
  // Wakes the reader even if something the plugin started still holds the child's end.
  ::shutdown(child.fd, SHUT_RDWR);
  if (current_.get() == &child) current_ = nullptr;
}

void IsolatedClient::retire_locked(Child& child, const std::string& why) {
  if (current_.get() == &child) current_ = nullptr;
  if (!child.retired && !child.ended) {
    child.retired = true;
    child.retire_reason = why;
    log::warn("plugin.host_retired", {{"plugin", name()},
                                      {"pid", static_cast<int64_t>(child.pid)},
                                      {"why", why},
                                      {"calls_left", static_cast<int64_t>(child.pending.size())}});
  }
  settle_locked(child);
}

void IsolatedClient::settle_locked(Child& child) {
  if (!child.retired || child.ended || !child.pending.empty() || !child.kill_reason.empty()) return;
  if (!child.abandoned.empty()) {
    kill_locked(child, "its plugin host process (pid " + std::to_string(child.pid) + ") was retired because " +
                           child.retire_reason + ", and was killed once only calls nobody waits for were left on it");
    return;
  }
  if (!child.closing) {
    // Nothing runs on it: end of input, and it shuts the plugin down and exits by itself.
    child.closing = true;
    ::shutdown(child.fd, SHUT_WR);
  }
}

void IsolatedClient::read_loop(const std::shared_ptr<Child>& child) {
  std::string broken;
  std::string body;
  while (true) {
    pp::ReadStatus rs = pp::read_frame(child->fd, &body);
    if (rs == pp::ReadStatus::eof) break;
    if (rs != pp::ReadStatus::ok) {
      broken = rs == pp::ReadStatus::too_large ? "sent a frame of a size out of bounds" : "broke off a frame";
      break;
    }
    std::optional<pp::Frame> f = pp::decode(body);
    if (!f || f->type != pp::FrameType::result) {
      broken = "sent a frame that is not a result";
      break;
    }
    std::lock_guard lock(mu_);
    child->answered = true;
    failures_in_a_row_ = 0;
    auto it = child->pending.find(f->id);
    if (it == child->pending.end()) {
      child->abandoned.erase(f->id);  // its caller gave up (deadline, cancellation)
    } else {
      it->second->done = true;
      it->second->status = f->status;
      it->second->payload = std::move(f->payload);
      child->pending.erase(it);
      cv_.notify_all();
    }
    settle_locked(*child);
  }
  if (!broken.empty()) {
    std::lock_guard lock(mu_);
    kill_locked(*child,
                "its plugin host process (pid " + std::to_string(child->pid) + ") " + broken + " and was killed");
  }

  // The channel is closed, so the process is ending. Wait for it without reaping it: until
  // `ended` is set under the lock, another thread may still signal this pid.
  siginfo_t info{};
  auto closed_at = Clock::now();
  bool killed_lingering = false;
  while (true) {
    info = {};
    int r = ::waitid(P_PID, static_cast<id_t>(child->pid), &info, WEXITED | WNOWAIT | WNOHANG);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || info.si_pid == child->pid) break;  // ended (r < 0: reaped by someone else)
    if (!killed_lingering && Clock::now() - closed_at > std::chrono::seconds(2)) {
      std::lock_guard lock(mu_);
      kill_locked(*child, "its plugin host process (pid " + std::to_string(child->pid) +
                              ") closed its channel but did not exit, and was killed");
      killed_lingering = true;
    }
    std::this_thread::sleep_for(milliseconds(2));
  }

  std::string how = info.si_pid == child->pid ? describe_end(info) : "ended";
  {
    std::lock_guard lock(mu_);
    child->ended = true;
    if (current_ == child) current_ = nullptr;
    std::string why = !child->kill_reason.empty()
                          ? child->kill_reason
                          : "its plugin host process (pid " + std::to_string(child->pid) + ") " + how;
    size_t failed = child->pending.size();
    for (auto& [id, p] : child->pending) {
      p->done = true;
      p->failure = "plugin '" + name() + "': " + why + " during the call; a new one starts for the next call";
    }
    child->pending.clear();
    if (child->closing && child->kill_reason.empty()) {
      log::info("plugin.host_stopped", {{"plugin", name()},
                                        {"pid", static_cast<int64_t>(child->pid)},
                                        {"why", "retired because " + child->retire_reason},
                                        {"how", how}});
    } else if (child->kill_reason.empty() && !stopping_) {
      if (!child->answered) ++failures_in_a_row_;
      last_failure_ = Clock::now();
      last_failure_reason_ = "its plugin host process " + how;
      log::error("plugin.host_died", {{"plugin", name()},
                                      {"pid", static_cast<int64_t>(child->pid)},
                                      {"why", how},
                                      {"calls_failed", static_cast<int64_t>(failed)}});
    } else if (!child->kill_reason.empty()) {
      log::warn("plugin.host_killed", {{"plugin", name()},
                                       {"pid", static_cast<int64_t>(child->pid)},
                                       {"why", child->kill_reason},
                                       {"calls_failed", static_cast<int64_t>(failed)}});
    }
    cv_.notify_all();
  }
  int status = 0;
  while (::waitpid(child->pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::lock_guard lock(mu_);
  child->reader_done = true;
  cv_.notify_all();
}

Result<std::string> IsolatedClient::invoke(corral_method method, const std::string& request,
                                           const CallOptions& options) {
  const auto deadline = Clock::now() + options.timeout;
  const auto hard_deadline = deadline + options_.deadline_grace;
  const std::string where = "plugin '" + name() + "' " + method_name(method);
  auto pending = std::make_shared<Pending>();
  pp::Frame frame;
  frame.type = pp::FrameType::call;
  frame.method = method;
  frame.payload = request;
  std::shared_ptr<Child> child;
  while (!child) {
    auto acquired = acquire(deadline);
    if (!acquired.ok()) return acquired.status();
    if (Clock::now() >= deadline) {
      return error(ErrorCode::unavailable, where + ": the deadline passed while its plugin host process started");
    }
    std::lock_guard lock(mu_);
    std::shared_ptr<Child> c = std::move(acquired).value();
    if (c->retired && !c->ended && c->kill_reason.empty()) continue;  // retired since: the next one
    if (c->ended || !c->kill_reason.empty()) {
      // It ended between acquire() and now; its reader failed the calls it knew of already.
      return error(ErrorCode::unavailable, where +
                                               ": its plugin host process ended before the call was sent; a new "
                                               "one starts for the next call");
    }
    frame.id = next_id_++;
    c->pending[frame.id] = pending;
    child = std::move(c);
  }
  frame.timeout_ms = static_cast<uint32_t>(std::clamp<int64_t>(ms(deadline - Clock::now()), 1, UINT32_MAX));
  std::optional<std::string> bytes = pp::encode(frame);
  bool sent = false;
  if (bytes) {
    std::lock_guard write(child->write_mu);
    sent = pp::write_all(child->fd, *bytes, timeout_ms(hard_deadline));
  }

  std::unique_lock lock(mu_);
  if (!bytes) {
    child->pending.erase(frame.id);
    settle_locked(*child);
    return error(ErrorCode::invalid_argument, where + ": the request is " + std::to_string(request.size()) +
                                                  " bytes, over the " + std::to_string(pp::kMaxFrameBytes) +
                                                  "-byte limit of the plugin host channel");
  }
  if (!sent && !pending->done) {
    child->pending.erase(frame.id);
    kill_locked(*child, "its plugin host process (pid " + std::to_string(child->pid) + ") stopped taking requests");
    return error(ErrorCode::unavailable,
                 where + ": its plugin host process did not take the call; a new one starts for the next call");
  }
  while (!pending->done) {
    if (options.cancelled && options.cancelled->load()) {
      child->pending.erase(frame.id);
      child->abandoned.insert(frame.id);
      lock.unlock();
      pp::Frame cancel;
      cancel.type = pp::FrameType::cancel;
      cancel.id = frame.id;
      {
        std::lock_guard write(child->write_mu);
        pp::write_all(child->fd, *pp::encode(cancel), 1000);
      }
      lock.lock();
      settle_locked(*child);  // after the cancel frame: settling may close the channel
      return call_error(name(), method, CORRAL_ERR_CANCELLED, "cancelled while the plugin was working on it");
    }
    auto now = Clock::now();
    if (now >= hard_deadline) {
      // Only this call is given up. The process may be stuck in the plugin, so no new call goes
      // to it; the others on it still get their own time, and it is killed once none is left.
      child->pending.erase(frame.id);
      child->abandoned.insert(frame.id);
      const std::string pid = std::to_string(child->pid);
      const std::string grace = std::to_string(options_.deadline_grace.count());
      retire_locked(*child, "a " + method_name(method) + " call ran " + grace + " ms past its deadline");
      return error(ErrorCode::unavailable, where + ": no answer within the deadline (" +
                                               std::to_string(options.timeout.count()) + " ms) and " + grace +
                                               " ms of grace; its plugin host process (pid " + pid +
                                               ") takes no new calls and is killed once its other calls are done");
    }
    // A cancellation flag is polled; without one the wait ends only with an answer or the deadline.
    auto wake = options.cancelled ? std::min(hard_deadline, now + milliseconds(20)) : hard_deadline;
    cv_.wait_until(lock, wake);
  }
  if (!pending->failure.empty()) return error(ErrorCode::unavailable, pending->failure);
  if (pending->status != CORRAL_OK) return call_error(name(), method, pending->status, pending->payload);
  return std::move(pending->payload);
}

}  // namespace corral::manager::providers
