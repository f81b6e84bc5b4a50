// corral-agent: the host agent. Enrolls once with a join token, then keeps a mutual-TLS websocket
// to the manager and reports this host's capacity. See agent/startup.h for the flow.
#include <cstdio>
#include <string>
#include <vector>

#include "agent/args.h"
#include "agent/settings.h"
#include "agent/startup.h"
#include "common/log.h"

int main(int argc, char** argv) {
  using namespace corral;
  auto args = agent::parse_args(std::vector<std::string>(argv + 1, argv + argc));
  if (!args.ok()) {
    std::fprintf(stderr, "corral-agent: %s\n%s", args.status().message().c_str(), agent::usage_text());
    return 2;
  }
  if (args->help) {
    std::fputs(agent::usage_text(), stdout);
    return 0;
  }
  if (args->version) {
    std::printf("corral-agent %s\n", CORRAL_VERSION);
    return 0;
  }
  log::set_component("agent");
  auto settings = agent::resolve_settings(*args, agent::process_environment());
  if (!settings.ok()) {
    std::fprintf(stderr, "corral-agent: %s\n", settings.status().message().c_str());
    return 1;
  }
  log::set_level(settings->log_level);
  return agent::run_agent(*settings);
}
