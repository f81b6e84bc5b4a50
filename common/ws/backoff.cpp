#include "common/ws/backoff.h"

#include <algorithm>
#include <limits>
#include <random>

namespace corral::ws {

Backoff::Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, std::function<uint64_t()> random)
    : base_(std::max(base, std::chrono::milliseconds(0))),
      cap_(std::max(cap, std::chrono::milliseconds(0))),
      random_(std::move(random)) {
  if (!random_) {
    std::random_device device;
    std::mt19937_64 engine((static_cast<uint64_t>(device()) << 32) | device());
    random_ = [engine]() mutable { return engine(); };
  }
}

std::chrono::milliseconds Backoff::next() {
  using Rep = std::chrono::milliseconds::rep;
  const Rep base = base_.count();
  const Rep cap = cap_.count();
  // base * 2^attempt would overflow long before attempt reaches 1000; comparing base with
  // cap >> attempt answers "is it past the cap" without computing it.
  Rep ceiling = cap;
  if (base == 0) {
    ceiling = 0;
  } else if (attempt_ < std::numeric_limits<Rep>::digits && base <= (cap >> attempt_)) {
    ceiling = base << attempt_;
  }
  // The modulo bias is at most ceiling / 2^64: nothing a reconnect delay can notice.
  uint64_t span = static_cast<uint64_t>(ceiling) + 1;
  Rep delay = static_cast<Rep>(random_() % span);
  if (attempt_ < std::numeric_limits<int>::max()) ++attempt_;
  return std::chrono::milliseconds(delay);
}

}  // namespace corral::ws
