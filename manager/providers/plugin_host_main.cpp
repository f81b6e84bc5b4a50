// corral-plugin-host: runs one provider plugin in its own process, so that a plugin that crashes
// or hangs fails its calls instead of the manager (docs/plugin-abi.md, "Process isolation"). The
// manager starts it with a socket as stdin and stdout; it loads the plugin with the manager's own
// loader (same checks), then serves calls, each on its own thread, until its input ends.
//
//   corral-plugin-host --plugin-dir DIR --file FILE [--sha256 HEX]
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/log.h"
#include "corral/config/v1/config.pb.h"
#include "manager/providers/host_http_config.h"
#include "manager/providers/plugin_host_protocol.h"
#include "manager/providers/plugin_loader.h"

namespace {

namespace pp = corral::manager::providers::pipe_protocol;
namespace providers = corral::manager::providers;

// Calls running at once; more are answered UNAVAILABLE at once. The manager's worker pool keeps
// far fewer in flight; this only bounds the threads a confused manager could make us start.
constexpr size_t kMaxCallsInFlight = 256;
// How long the manager has to send its hello.
constexpr int kHelloTimeoutMs = 30'000;

const char kUsage[] =
    "usage: corral-plugin-host --plugin-dir DIR --file FILE [--sha256 HEX]\n"
    "Runs one Corral provider plugin for corral-manager, which starts it with a socket as stdin and\n"
    "stdout. Not meant to be run by hand.\n";

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
  providers::LoadOptions options;
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
    if (flag == "--plugin-dir") {
      options.plugin_dir = value;
    } else if (flag == "--file") {
      options.file = value;
    } else if (flag == "--sha256") {
      options.sha256 = value;
    } else {
      std::fprintf(stderr, "corral-plugin-host: unknown flag %s\n%s", flag.c_str(), kUsage);
      return 2;
    }
  }
  if (options.plugin_dir.empty() || options.file.empty()) {
    std::fprintf(stderr, "corral-plugin-host: --plugin-dir and --file are required\n%s", kUsage);
    return 2;
  }
  corral::log::set_component("plugin-host");
  // A write to a manager that went away is an error to handle, not a signal that kills.
  ::signal(SIGPIPE, SIG_IGN);

  // The protocol moves off fds 0 and 1 (close-on-exec, so nothing the plugin starts inherits it);
  // stdout becomes stderr and stdin /dev/null, so nothing the plugin prints or reads touches it.
  int in = ::fcntl(0, F_DUPFD_CLOEXEC, 3);
  int out = ::fcntl(1, F_DUPFD_CLOEXEC, 3);
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
    corral::log::error("plugin_host.no_hello", {{"file", options.file}});
    leave(pp::kProtocolErrorExitCode);
  }
  auto refuse = [&](const std::string& why) {
    corral::log::error("plugin_host.load_failed", {{"file", options.file}, {"why", why}});
    pp::Frame ready;
    ready.type = pp::FrameType::ready;
    ready.status = CORRAL_ERR_UNAVAILABLE;
    ready.payload = why;
    if (auto bytes = pp::encode(ready)) pp::write_all(out, *bytes);
    leave(pp::kLoadFailedExitCode);
  };
  corral::config::v1::PluginHttpConfig http_config;
  if (!http_config.ParseFromString(hello->payload)) refuse("plugin " + options.file + ": the manager's hello does not decode");
  auto http = providers::make_host_http(http_config);
  if (!http.ok()) refuse("plugin " + options.file + ": " + http.status().message());
  options.http = *http;
  auto loaded = providers::load_in_process(options);
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
      corral::log::error("plugin_host.bad_frame", {{"file", options.file}});
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
