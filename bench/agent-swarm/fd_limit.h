// Raises RLIMIT_NOFILE so one process can hold tens of thousands of sockets. The swarm raises its
// own limit before it starts the manager, which inherits it across fork/exec.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace corral::bench {

struct FdLimit {
  uint64_t soft = 0;
  uint64_t hard = 0;
  bool raised_hard = false;  // the hard limit itself was raised (needs root or CAP_SYS_RESOURCE)
  std::string note;          // why the hard limit could not be raised, when it could not
  bool short_of_wanted() const { return soft < wanted; }
  uint64_t wanted = 0;
};

// Sets the soft limit to the hard limit and, when that is below WANTED, raises the hard limit too
// (to /proc/sys/fs/nr_open; needs CAP_SYS_RESOURCE). Falling short of WANTED is not an error: the
// result says so and the caller decides.
Result<FdLimit> raise_fd_limit(uint64_t wanted);

// Lowers this process's soft and hard limit to LIMIT; for a child just before exec, so the
// manager can be given less than the swarm (to find where it runs out). Async-signal-safe.
bool lower_fd_limit(uint64_t limit);

}  // namespace corral::bench
