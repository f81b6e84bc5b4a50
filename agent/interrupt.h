// SIGTERM/SIGINT before the core's io_context exists (during enrollment, which blocks in libcurl):
// a flag the enrollment retry loop polls between attempts. AgentRuntime handles signals itself
// once it runs, replacing these handlers.
#pragma once

#include <chrono>

namespace corral::agent {

void watch_for_interrupt();
bool interrupted();
// Sleeps for D, waking early (and returning false) when interrupted.
bool sleep_unless_interrupted(std::chrono::milliseconds d);

}  // namespace corral::agent
