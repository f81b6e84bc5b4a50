// Slows down password guessing at POST /api/v1/auth/login: after a few failed sign-ins, each
// further attempt for the same user name, or from the same source address, must wait a delay that
// doubles with every failure (up to a maximum). One attempt per user name at a time, so parallel
// requests cannot get around the wait. Pure logic on the core thread, with the time passed in.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace corral::manager {

struct SignInLimits {
  int free_failures = 3;
  std::chrono::seconds backoff{1};
  std::chrono::seconds backoff_max{300};
  // An address may have this many sign-ins in progress (a shared NAT address has several users).
  int max_in_flight_per_address = 4;
  // Keys beyond this many are pruned of forgotten ones; the rest are kept.
  size_t max_keys = 100'000;
};

class SignInLimiter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit SignInLimiter(SignInLimits limits) : limits_(limits) {}

  // Zero: go ahead, and call exactly one of failed() / succeeded() / abandoned() when the attempt
  // ends. Otherwise how long to wait before asking again; nothing is recorded.
  std::chrono::milliseconds admit(std::string_view user, std::string_view address, TimePoint now);
  // The directory refused the user name or password: counts against both keys.
  void failed(std::string_view user, std::string_view address, TimePoint now);
  // Signed in: the user's failures are forgotten (the address's are not: one good account must
  // not wipe the record of guesses at others).
  void succeeded(std::string_view user, std::string_view address);
  // The directory could not be asked: counts against nobody.
  void abandoned(std::string_view user, std::string_view address);

  size_t keys() const { return users_.size() + addresses_.size(); }

 private:
  struct Entry {
    int failures = 0;
    int in_flight = 0;
    TimePoint last_failure{};
    TimePoint blocked_until{};
  };
  using Map = std::unordered_map<std::string, Entry>;

  std::chrono::milliseconds wait_of(Map& map, const std::string& key, TimePoint now);
  void record_failure(Map& map, const std::string& key, TimePoint now) const;
  static void release(Map& map, const std::string& key);
  void prune(TimePoint now);
  bool forgotten(const Entry& e, TimePoint now) const;

  SignInLimits limits_;
  Map users_;      // lower-case user name → entry (directories compare names without case)
  Map addresses_;  // source address → entry
};

}  // namespace corral::manager
