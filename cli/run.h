// corralctl from command line to exit status, with everything outside the process injected
// (transport, environment, clock, streams): main() passes the real ones, tests fakes.
#pragma once

#include <chrono>
#include <functional>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "cli/api_client.h"
#include "cli/settings.h"
#include "common/clock.h"

namespace corral::cli {

enum ExitCode : int { kExitOk = 0, kExitApiError = 1, kExitUsage = 2 };

struct RunContext {
  Transport transport;
  Getenv getenv;
  const Clock* clock = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  std::istream* in = nullptr;  // standard input; null: empty
  // How `events --follow` waits between polls; null sleeps for real.
  std::function<void(std::chrono::milliseconds)> pause;
};

// ARGS excludes the program name. Errors go to err as "corralctl: <message>". Returns
// kExitUsage for command-line and configuration errors (nothing was sent), kExitApiError when
// the manager refused or could not be reached.
int run(const std::vector<std::string>& args, const RunContext& context);

}  // namespace corral::cli
