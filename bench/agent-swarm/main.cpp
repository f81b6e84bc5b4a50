// corral-agent-swarm: a load generator that holds N real mutual-TLS agent connections to a
// corral-manager it starts itself. See docs/PERFORMANCE.md for what it measures and how to run it.
#include <csignal>
#include <cstdio>

#include "bench/agent-swarm/swarm_options.h"
#include "bench/agent-swarm/swarm_run.h"
#include "common/http/client.h"

int main(int argc, char** argv) {
  using namespace corral;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") {
      std::fputs(bench::kSwarmUsage, stdout);
      return 0;
    }
  }
  auto options = bench::parse_swarm_options(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "corral-agent-swarm: %s\n%s", options.status().message().c_str(), bench::kSwarmUsage);
    return 2;
  }
  // A write to a connection the manager just closed must fail with EPIPE, not kill the swarm.
  std::signal(SIGPIPE, SIG_IGN);
  http::global_init();
  bench::SwarmRun run(std::move(options).value());
  if (Status s = run.run(); !s.ok()) {
    std::fprintf(stderr, "corral-agent-swarm: %s\n", s.to_string().c_str());
    return 1;
  }
  return 0;
}
