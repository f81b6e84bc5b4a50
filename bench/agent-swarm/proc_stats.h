// What the swarm measures about the manager process: resident memory (VmRSS in
// /proc/PID/status) and CPU time (utime + stime in /proc/PID/stat), both read from procfs; and
// the machine's total busy CPU, to tell how much of it other processes used meanwhile.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "common/result.h"

namespace corral::bench {

struct ProcSample {
  uint64_t rss_kib = 0;
  // User plus system CPU time of every thread of the process so far, in seconds.
  double cpu_seconds = 0;
};

// not_found when the process has gone.
Result<ProcSample> sample_process(pid_t pid);

// CPU seconds every core of the machine spent busy so far (/proc/stat). Subtracting the manager
// and the swarm shows how much other processes took from a measurement on a shared machine.
double machine_busy_cpu_seconds();

// CPU used between two samples as a percentage of one core over WALL_SECONDS.
double cpu_percent_of_one_core(const ProcSample& before, const ProcSample& after, double wall_seconds);

}  // namespace corral::bench
