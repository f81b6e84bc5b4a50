// FUZZ_CHECK: the assertion the fuzz targets use for invariants. It aborts in every build type
// (assert() vanishes under NDEBUG, which RelWithDebInfo sets), so both libFuzzer and the
// standalone corpus replay report a broken invariant as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                           \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      std::fprintf(stderr, "FUZZ_CHECK failed at line %d: %s\n", __LINE__, #cond); \
      std::abort();                                                                \
    }                                                                              \
  } while (0)
