#include "agent/reconnect_policy.h"

namespace corral::agent {

ReconnectPolicy::ReconnectPolicy(std::chrono::milliseconds base, std::chrono::milliseconds cap,
                                 std::function<uint64_t()> random)
    : backoff_(base, cap, std::move(random)), cap_(cap) {}

void ReconnectPolicy::on_welcome() {
  backoff_.reset();
  // The manager greeted a certificate it had revoked: an operator restored it.
  revoked_ = false;
}

bool ReconnectPolicy::on_closed(uint16_t close_code) {
  if (close_code != kCloseRevoked || revoked_) return false;
  revoked_ = true;
  return true;
}

std::chrono::milliseconds ReconnectPolicy::next_delay() {
  if (revoked_) return cap_;
  return backoff_.next();
}

}  // namespace corral::agent
