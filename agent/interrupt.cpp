#include "agent/interrupt.h"

#include <csignal>
#include <thread>

namespace corral::agent {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_interrupt(int) { g_interrupted = 1; }

}  // namespace

void watch_for_interrupt() {
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
}

bool interrupted() { return g_interrupted != 0; }

bool sleep_unless_interrupted(std::chrono::milliseconds d) {
  constexpr std::chrono::milliseconds kSlice{100};
  while (d.count() > 0) {
    if (interrupted()) return false;
    auto step = std::min(d, kSlice);
    std::this_thread::sleep_for(step);
    d -= step;
  }
  return !interrupted();
}

}  // namespace corral::agent
