// Named leases, so that of several managers sharing one database only one runs a singleton job
// (the autoscaler). Time is passed in as unix milliseconds (now_ms, ttl_ms): the caller's clock
// decides, and tests move it by hand. A lease is held while now_ms < expires_at_ms.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "manager/store/records.h"

namespace corral::store {

class LeaseRepository {
 public:
  virtual ~LeaseRepository() = default;

  // Takes the lease until now_ms + ttl_ms if it is free, expired, or already held by `holder`
  // (which extends it). true if `holder` now holds it, false if someone else does.
  // invalid_argument if name or holder is empty or ttl_ms <= 0.
  virtual Result<bool> acquire(const std::string& name, const std::string& holder, int64_t ttl_ms, int64_t now_ms) = 0;
  // Extends the lease to now_ms + ttl_ms only if `holder` holds it and it has not expired; false
  // otherwise (then the holder must stop the job and acquire again). invalid_argument as acquire.
  virtual Result<bool> renew(const std::string& name, const std::string& holder, int64_t ttl_ms, int64_t now_ms) = 0;
  // Gives the lease up if `holder` is the recorded holder (expired or not); false otherwise.
  virtual Result<bool> release(const std::string& name, const std::string& holder) = 0;
  // The recorded holder and expiry, expired or not; nullopt if never taken or released.
  virtual Result<std::optional<LeaseRecord>> get(const std::string& name) = 0;
};

}  // namespace corral::store
