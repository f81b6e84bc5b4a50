// corral-plugin-host: runs one provider plugin in its own process, so that a plugin that crashes
// or hangs fails its calls instead of the manager, and cannot read what the manager guards
// (docs/plugin-abi.md, "Process isolation"). The manager starts it with a socket as stdin and
// stdout and the plugin file it checked on fd 3. It hashes that descriptor again, becomes the
// plugin user, confines itself with Landlock, and only then loads the plugin, from fd 3; then it
// serves calls, each on its own thread, until its input ends.
//
//   corral-plugin-host --file NAME --sha256 HEX --tmp-dir DIR [--uid N --gid N]
//                      [--allow-read PATH]... [--allow-write PATH]...
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "corral/config/v1/config.pb.h"
#include "manager/providers/host_http_config.h"
#include "manager/providers/host_launch.h"
#include "manager/providers/plugin_host_protocol.h"
#include "manager/providers/plugin_loader.h"
#include "manager/providers/plugin_sandbox.h"

namespace {

namespace pp = corral::manager::providers::pipe_protocol;
namespace providers = corral::manager::providers;

// Calls running at once; more are answered UNAVAILABLE at once. The manager's worker pool keeps
// far fewer in flight; this only bounds the threads a confused manager could make us start.
constexpr size_t kMaxCallsInFlight = 256;
// How long the manager has to send its hello.
constexpr int kHelloTimeoutMs = 30'000;

const char kUsage[] =
    "usage: corral-plugin-host --file NAME --sha256 HEX --tmp-dir DIR [--uid N --gid N]\n"
    "                          [--allow-read PATH]... [--allow-write PATH]...\n"
    "Runs one Corral provider plugin for corral-manager, which starts it with a socket as stdin and\n"
    "stdout and the plugin file on descriptor 3. Not meant to be run by hand.\n";

struct Args {
  std::string file;
  std::string sha256;
  std::string tmp_dir;
  long uid = -1;
  long gid = -1;
  std::vector<std::string> allow_read;
  std::vector<std::string> allow_write;
};

bool parse_id(const std::string& text, long* out) {
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(text.c_str(), &end, 10);
  if (errno != 0 || end == text.c_str() || *end != '\0' || v < 0) return false;
  *out = v;
  return true;
}

[[noreturn]] void leave(int code) {
  // _Exit runs no exit handlers, so the log's queue is written here or not at all.
  corral::log::flush();
  std::fflush(stderr);
  std::_Exit(code);
}

class Server {
 public:
  Server(int out, std::shared_ptr<providers::InProcessClient> plugin) : out_(out), plugin_(std::move(plugin)) {}

  void send(const pp::Frame& frame) {
    std::optional<std::string> bytes = pp::encode(frame);
    if (!bytes) {
      pp::Frame too_big;
      too_big.type = pp::FrameType::result;
      too_big.id = frame.id;
      too_big.status = CORRAL_ERR_INTERNAL;
      too_big.payload = "the plugin's answer is " + std::to_string(frame.payload.size()) + " bytes, over the " +
                        std::to_string(pp::kMaxFrameBytes) + "-byte limit of the plugin host channel";
      bytes = pp::encode(too_big);
    }
    std::lock_guard lock(write_mu_);
    // A failed write means the manager is gone; the read loop sees the end of input.
    pp::write_all(out_, *bytes);
  }

  void on_call(pp::Frame frame) {
    std::shared_ptr<std::atomic<bool>> cancelled;
    {
      std::lock_guard lock(mu_);
      if (calls_.size() >= kMaxCallsInFlight || calls_.count(frame.id) > 0) {
        pp::Frame busy;
        busy.type = pp::FrameType::result;
        busy.id = frame.id;
        busy.status = CORRAL_ERR_UNAVAILABLE;
        busy.payload = calls_.count(frame.id) > 0 ? "a call with this id is already running"
                                                  : std::to_string(kMaxCallsInFlight) + " calls are already running";
        send(busy);
        return;
      }
      cancelled = std::make_shared<std::atomic<bool>>(false);
      calls_[frame.id] = cancelled;
    }
    std::thread([this, f = std::move(frame), cancelled] {
      corral_call call;
      call.deadline_ms = f.timeout_ms > 0 ? providers::monotonic_ms() + f.timeout_ms : 0;
      call.cancelled = cancelled.get();
      providers::InProcessClient::RawReply reply = plugin_->invoke_raw(f.method, f.payload, call);
      pp::Frame result;
      result.type = pp::FrameType::result;
      result.id = f.id;
      result.status = reply.status;
      result.payload = std::move(reply.bytes);
      send(result);
      std::lock_guard lock(mu_);
      calls_.erase(f.id);
      cv_.notify_all();
    }).detach();
  }

  void on_cancel(uint64_t id) {
    std::lock_guard lock(mu_);
    if (auto it = calls_.find(id); it != calls_.end()) it->second->store(true);
  }

  // After the end of input: the calls still running finish (the manager kills this process if
  // they take too long), then the plugin is shut down and unloaded.
  void drain_and_shut_down() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return calls_.empty(); });
    lock.unlock();
    plugin_.reset();
  }

 private:
  int out_;
  std::shared_ptr<providers::InProcessClient> plugin_;
  std::mutex write_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, std::shared_ptr<std::atomic<bool>>> calls_;
};

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "corral-plugin-host: %s needs a value\n%s", flag.c_str(), kUsage);
      return 2;
    }
    std::string value = argv[++i];
    bool ok = true;
    if (flag == "--file") {
      args.file = value;
    } else if (flag == "--sha256") {
      args.sha256 = value;
    } else if (flag == "--tmp-dir") {
      args.tmp_dir = value;
    } else if (flag == "--uid") {
      ok = parse_id(value, &args.uid);
    } else if (flag == "--gid") {
      ok = parse_id(value, &args.gid);
    } else if (flag == "--allow-read") {
      args.allow_read.push_back(value);
    } else if (flag == "--allow-write") {
      args.allow_write.push_back(value);
    } else {
      std::fprintf(stderr, "corral-plugin-host: unknown flag %s\n%s", flag.c_str(), kUsage);
      return 2;
    }
    if (!ok) {
      std::fprintf(stderr, "corral-plugin-host: %s needs a number, got '%s'\n", flag.c_str(), value.c_str());
      return 2;
    }
  }
  if (args.file.empty() || args.sha256.empty() || args.tmp_dir.empty() || (args.uid < 0) != (args.gid < 0)) {
    std::fprintf(stderr,
                 "corral-plugin-host: --file, --sha256 and --tmp-dir are required, --uid and --gid go together\n%s",
                 kUsage);
    return 2;
  }
  corral::log::set_component("plugin-host");
  // A write to a manager that went away is an error to handle, not a signal that kills.
  ::signal(SIGPIPE, SIG_IGN);

  // The plugin file stays open (it is loaded through it) but nothing the plugin starts inherits it.
  const int plugin_fd = providers::kPluginFd;
  if (::fcntl(plugin_fd, F_SETFD, FD_CLOEXEC) != 0) {
    std::fprintf(stderr, "corral-plugin-host: no plugin file on descriptor %d\n", plugin_fd);
    return 2;
  }
  // The protocol moves off fds 0 and 1 (close-on-exec, so nothing the plugin starts inherits it);
  // stdout becomes stderr and stdin /dev/null, so nothing the plugin prints or reads touches it.
  int in = ::fcntl(0, F_DUPFD_CLOEXEC, plugin_fd + 1);
  int out = ::fcntl(1, F_DUPFD_CLOEXEC, plugin_fd + 1);
  if (in < 0 || out < 0) {
    std::fprintf(stderr, "corral-plugin-host: no channel on stdin/stdout\n");
    return 2;
  }
  ::dup2(2, 1);
  int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null >= 0) {
    ::dup2(null, 0);
    ::close(null);
  }

  std::string body;
  std::optional<pp::Frame> hello;
  if (pp::read_frame(in, &body, kHelloTimeoutMs) == pp::ReadStatus::ok) hello = pp::decode(body);
  if (!hello || hello->type != pp::FrameType::hello) {
    corral::log::error("plugin_host.no_hello", {{"file", args.file}});
    leave(pp::kProtocolErrorExitCode);
  }
  auto refuse = [&](const std::string& why) {
    corral::log::error("plugin_host.load_failed", {{"file", args.file}, {"why", why}});
    pp::Frame ready;
    ready.type = pp::FrameType::ready;
    ready.status = CORRAL_ERR_UNAVAILABLE;
    ready.payload = why;
    if (auto bytes = pp::encode(ready)) pp::write_all(out, *bytes);
    leave(pp::kLoadFailedExitCode);
  };
  const std::string where = "plugin " + args.file + ": ";
  corral::config::v1::PluginHttpConfig http_config;
  if (!http_config.ParseFromString(hello->payload)) refuse(where + "the manager's hello does not decode");
  // Before the confinement: the CA bundle is read here, once, wherever the operator keeps it.
  auto http = providers::make_host_http(http_config);
  if (!http.ok()) refuse(where + http.status().message());

  // The bytes the manager checked and logged are the bytes loaded: hashed again through the same
  // descriptor, which the loader then loads.
  auto sha256 = providers::sha256_fd(plugin_fd);
  if (!sha256.ok()) refuse(where + "cannot read the plugin file: " + sha256.status().message());
  if (*sha256 != args.sha256) {
    refuse(where + "its SHA-256 changed from " + args.sha256 + " to " + *sha256 + " since the manager checked it");
  }

  // Nothing of the plugin has run yet; from here on nothing of it runs with more than this.
  if (args.uid >= 0) {
    if (corral::Status s = providers::become_user(static_cast<uid_t>(args.uid), static_cast<gid_t>(args.gid));
        !s.ok()) {
      refuse(where + s.message());
    }
  }
  providers::FilesystemRules rules;
  rules.read = args.allow_read;
  rules.write = args.allow_write;
  rules.write.push_back(args.tmp_dir);
  rules.read_fd = plugin_fd;
  auto confined = providers::confine_filesystem(rules);
  if (!confined.ok()) refuse(where + "cannot confine it: " + confined.status().message());
  corral::log::debug("plugin_host.confined",
                     {{"file", args.file},
                      {"uid", static_cast<int64_t>(::getuid())},
                      {"landlock", *confined == providers::Confinement::landlock ? "on" : "unavailable"}});

  providers::LoadOptions options;
  options.file = args.file;
  options.http = *http;
  auto loaded = providers::load_checked(providers::CheckedPluginFile(args.file, *sha256, plugin_fd), options);
  if (!loaded.ok()) refuse(loaded.status().message());

  std::shared_ptr<providers::InProcessClient> plugin = std::move(loaded).value();
  pp::Frame ready;
  ready.type = pp::FrameType::ready;
  ready.status = CORRAL_OK;
  ready.payload = plugin->description().SerializeAsString();
  Server server(out, std::move(plugin));
  server.send(ready);

  while (pp::read_frame(in, &body) == pp::ReadStatus::ok) {
    std::optional<pp::Frame> frame = pp::decode(body);
    if (!frame || (frame->type != pp::FrameType::call && frame->type != pp::FrameType::cancel)) {
      corral::log::error("plugin_host.bad_frame", {{"file", args.file}});
      leave(pp::kProtocolErrorExitCode);
    }
    if (frame->type == pp::FrameType::call) {
      server.on_call(std::move(*frame));
    } else {
      server.on_cancel(frame->id);
    }
  }
  server.drain_and_shut_down();
  leave(0);
}
