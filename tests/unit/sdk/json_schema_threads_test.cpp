// A plugin validates configs on several call threads at once. Under ThreadSanitizer (the tsan
// stage runs this) compiling and matching schema patterns on threads that never synchronise with
// each other must share no unsynchronised state; libstdc++'s ctype narrow() cache (GCC bug 77704)
// was such state until the validator filled it once up front.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "corral/sdk/json_schema.h"

namespace corral::sdk {
namespace {

TEST(JsonSchemaThreadsTest, PatternsCompileAndMatchOnSeveralThreadsAtOnce) {
  const std::string schema =
      R"({"type": "object", "properties": {"name": {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,30}$"}}})";
  constexpr size_t kThreads = 4;
  std::vector<size_t> bad(kThreads), good(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (size_t i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      bad[i] = validate_json(schema, R"({"name": "Not A Hostname"})").size();
      good[i] = validate_json(schema, R"({"name": "vm-1"})").size();
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < kThreads; ++i) {
    EXPECT_EQ(bad[i], 1u) << "thread " << i;
    EXPECT_EQ(good[i], 0u) << "thread " << i;
  }
}

}  // namespace
}  // namespace corral::sdk
