// Failpoints: named places where a test can stop a process dead, to check what a crash at that
// exact step leaves behind (the autoscaler's intent log, docs/autoscaling.md "Crash safety").
// CORRAL_FAILPOINTS (comma-separated names) is read once; at a named point the process logs
// `failpoint.hit name=NAME`, flushes its log and blocks that thread for good, waiting for the
// test's SIGKILL. Without the variable a failpoint costs a check of an empty set.
#pragma once

#include <string_view>

namespace corral {

void failpoint(std::string_view name);

}  // namespace corral
