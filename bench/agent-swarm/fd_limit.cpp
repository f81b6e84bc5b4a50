#include "bench/agent-swarm/fd_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace corral::bench {
namespace {

// The kernel's ceiling for any RLIMIT_NOFILE.
uint64_t kernel_nr_open() {
  std::ifstream in("/proc/sys/fs/nr_open");
  uint64_t n = 0;
  if (in >> n) return n;
  return 1048576;
}

}  // namespace

Result<FdLimit> raise_fd_limit(uint64_t wanted) {
  rlimit current{};
  if (getrlimit(RLIMIT_NOFILE, &current) != 0) {
    return error(ErrorCode::internal, std::string("getrlimit(RLIMIT_NOFILE): ") + std::strerror(errno));
  }
  FdLimit out;
  out.wanted = wanted;
  rlimit next = current;
  if (current.rlim_max != RLIM_INFINITY && current.rlim_max < wanted) {
    // Ask for the kernel maximum rather than exactly WANTED, so the manager we start has headroom.
    next.rlim_max = kernel_nr_open();
    if (next.rlim_max < wanted) next.rlim_max = wanted;
    if (setrlimit(RLIMIT_NOFILE, &next) == 0) {
      out.raised_hard = true;
    } else {
      out.note = std::string("raising the hard limit failed: ") + std::strerror(errno) +
                 " (run as root or grant CAP_SYS_RESOURCE)";
      next.rlim_max = current.rlim_max;
    }
  }
  next.rlim_cur = next.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &next) != 0) {
    return error(ErrorCode::internal, std::string("setrlimit(RLIMIT_NOFILE): ") + std::strerror(errno));
  }
  out.soft = next.rlim_cur;
  out.hard = next.rlim_max;
  return out;
}

bool lower_fd_limit(uint64_t limit) {
  rlimit r{limit, limit};
  return setrlimit(RLIMIT_NOFILE, &r) == 0;
}

}  // namespace corral::bench
