// corral-plugin-host: runs one provider plugin in its own process so that a plugin that crashes
// fails its calls instead of the manager. It loads the plugin with the manager's own loader (same
// file checks), then serves requests from the manager on stdin and answers on stdout, one thread
// per request (docs/plugin-abi.md, "Process isolation").
//
//   corral-plugin-host --plugin-dir DIR --file FILE [--sha256 HEX]
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "common/log.h"
#include "manager/providers/plugin_host_protocol.h"
#include "manager/providers/plugin_loader.h"

namespace pp = corral::manager::providers::pipe_protocol;
using corral::manager::providers::CallOptions;

int main(int argc, char** argv) {
  corral::manager::providers::LoadOptions options;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--plugin-dir") {
      options.plugin_dir = argv[i + 1];
    } else if (flag == "--file") {
      options.file = argv[i + 1];
    } else if (flag == "--sha256") {
      options.sha256 = argv[i + 1];
    } else {
      std::fprintf(stderr, "corral-plugin-host: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  corral::log::set_component("plugin-host");
  // The protocol owns the original stdin and stdout; the plugin's own prints go to stderr, so
  // nothing it writes can corrupt a frame.
  int in = ::dup(0);
  int out = ::dup(1);
  ::dup2(2, 1);
  if (FILE* null = std::fopen("/dev/null", "r")) ::dup2(fileno(null), 0);

  auto client = corral::manager::providers::load_in_process(options);
  if (!client.ok()) {
    std::fprintf(stderr, "corral-plugin-host: %s\n", client.status().message().c_str());
    return pp::kLoadFailedExitCode;
  }
  std::shared_ptr<corral::manager::providers::ProviderClient> plugin = std::move(client).value();
  std::mutex write_mutex;
  auto reply = [&](const pp::Response& r) {
    std::lock_guard lock(write_mutex);
    if (!pp::write_all(out, pp::encode(r))) _exit(0);  // the manager went away
  };
  reply({0, CORRAL_OK, plugin->description().SerializeAsString()});

  while (auto body = pp::read_frame(in)) {
    auto request = pp::decode_request(*body);
    if (!request) break;
    std::thread([plugin, r = std::move(*request), &reply] {
      CallOptions o;
      if (r.timeout_ms > 0) o.timeout = std::chrono::milliseconds(r.timeout_ms);
      auto result = plugin->invoke(r.method, r.payload, o);
      if (result.ok()) {
        reply({r.id, CORRAL_OK, *result});
      } else {
        // The client's error already names the plugin, method and status; the manager rebuilds it.
        reply({r.id, CORRAL_ERR_INTERNAL, result.status().message()});
      }
    }).detach();
  }
  // stdin closed: the manager is done with us. Leave without unloading under running calls.
  _exit(0);
}
