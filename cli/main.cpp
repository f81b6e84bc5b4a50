// corralctl's entry point: wires the real transport, environment, clock and streams into run().
#include <iostream>

#include "cli/run.h"
#include "common/http/client.h"

int main(int argc, char** argv) {
  corral::http::global_init();
  corral::SystemClock clock;
  corral::cli::RunContext context;
  context.transport = [](const corral::http::Request& request) { return corral::http::perform(request); };
  context.getenv = corral::cli::process_environment();
  context.clock = &clock;
  context.out = &std::cout;
  context.err = &std::cerr;
  context.in = &std::cin;
  std::vector<std::string> args(argv + 1, argv + argc);
  int code = corral::cli::run(args, context);
  std::cout.flush();
  return code;
}
