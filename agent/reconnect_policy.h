// When the agent tries the manager again after a connection ends: exponential backoff with full
// jitter (common/ws/backoff.h), reset once a connection got as far as the Welcome. A close with
// code 4003 means the manager revoked this agent's certificate: the agent then retries only at
// the cap (an operator may restore it) instead of spinning. Owned by AgentRuntime's core thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "agent/channel.h"
#include "common/ws/backoff.h"

namespace corral::agent {

class ReconnectPolicy {
 public:
  ReconnectPolicy(std::chrono::milliseconds base, std::chrono::milliseconds cap, std::function<uint64_t()> random = {});

  void on_welcome();
  // CLOSE_CODE is the manager's websocket close code, 0 when there was none (connect failure,
  // dropped connection). Returns true the first time a revocation is seen, so it is logged once.
  bool on_closed(uint16_t close_code);
  std::chrono::milliseconds next_delay();

  bool revoked() const { return revoked_; }
  int attempt() const { return backoff_.attempt(); }

 private:
  ws::Backoff backoff_;
  std::chrono::milliseconds cap_;
  bool revoked_ = false;
};

}  // namespace corral::agent
