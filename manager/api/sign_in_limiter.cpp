#include "manager/api/sign_in_limiter.h"

#include <algorithm>

#include "common/text.h"

namespace corral::manager {
namespace {

using std::chrono::milliseconds;

}  // namespace

// Failures are forgotten once the longest wait has passed twice over without another.
bool SignInLimiter::forgotten(const Entry& e, TimePoint now) const {
  return e.in_flight == 0 && now >= e.blocked_until && now - e.last_failure >= 2 * limits_.backoff_max;
}

milliseconds SignInLimiter::wait_of(Map& map, const std::string& key, TimePoint now) {
  auto it = map.find(key);
  if (it == map.end()) return milliseconds(0);
  Entry& e = it->second;
  if (e.failures > 0 && forgotten(e, now)) e.failures = 0;
  if (now < e.blocked_until) return std::chrono::ceil<milliseconds>(e.blocked_until - now);
  return milliseconds(0);
}

milliseconds SignInLimiter::admit(std::string_view user, std::string_view address, TimePoint now) {
  const std::string user_key = ascii_lower(user);
  const std::string address_key(address);
  milliseconds wait = std::max(wait_of(users_, user_key, now), wait_of(addresses_, address_key, now));
  if (wait > milliseconds(0)) return wait;
  // Busy: ask again in a second rather than run a second guess beside the first.
  if (auto it = users_.find(user_key); it != users_.end() && it->second.in_flight > 0) return milliseconds(1000);
  if (auto it = addresses_.find(address_key);
      it != addresses_.end() && it->second.in_flight >= limits_.max_in_flight_per_address) {
    return milliseconds(1000);
  }
  if (keys() + 2 > limits_.max_keys) prune(now);
  ++users_[user_key].in_flight;
  ++addresses_[address_key].in_flight;
  return milliseconds(0);
}

void SignInLimiter::record_failure(Map& map, const std::string& key, TimePoint now) const {
  Entry& e = map[key];
  if (e.in_flight > 0) --e.in_flight;
  ++e.failures;
  e.last_failure = now;
  const int over = e.failures - limits_.free_failures;
  if (over <= 0) return;
  // backoff * 2^(over-1), capped; the shift is bounded so it cannot overflow.
  const auto doubled = limits_.backoff * (int64_t{1} << std::min(over - 1, 30));
  e.blocked_until = now + std::min<std::chrono::seconds>(doubled, limits_.backoff_max);
}

void SignInLimiter::release(Map& map, const std::string& key) {
  auto it = map.find(key);
  if (it == map.end()) return;
  if (it->second.in_flight > 0) --it->second.in_flight;
  if (it->second.in_flight == 0 && it->second.failures == 0) map.erase(it);
}

void SignInLimiter::failed(std::string_view user, std::string_view address, TimePoint now) {
  record_failure(users_, ascii_lower(user), now);
  record_failure(addresses_, std::string(address), now);
}

void SignInLimiter::succeeded(std::string_view user, std::string_view address) {
  const std::string user_key = ascii_lower(user);
  if (auto it = users_.find(user_key); it != users_.end()) it->second.failures = 0;
  release(users_, user_key);
  release(addresses_, std::string(address));
}

void SignInLimiter::abandoned(std::string_view user, std::string_view address) {
  release(users_, ascii_lower(user));
  release(addresses_, std::string(address));
}

void SignInLimiter::prune(TimePoint now) {
  for (Map* map : {&users_, &addresses_}) {
    std::erase_if(*map, [&](const auto& item) { return forgotten(item.second, now); });
  }
}

}  // namespace corral::manager
