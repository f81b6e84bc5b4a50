#include <gtest/gtest.h>
#include <signal.h>

#include "common/http/client.h"

int main(int argc, char** argv) {
  // A peer that closes mid-write must fail the write, not kill the test.
  signal(SIGPIPE, SIG_IGN);
  corral::http::global_init();
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
