// The manager's core for unit tests: an io_context the test runs by hand and a store executor on
// it, inline as with SQLite, so store work happens at once and its answers arrive when the test
// drains the loop, as they would on the real core.
#pragma once

#include <boost/asio/io_context.hpp>

#include <optional>

#include "manager/store/store_executor.h"

namespace corral::manager::testing {

class CoreLoop {
 public:
  explicit CoreLoop(store::Store& store)
      : exec_(store, io_.get_executor(), store::StoreExecutor::Mode::inline_on_caller) {}

  // Runs everything posted so far, and whatever that posts, until nothing is left.
  void drain() {
    io_.restart();
    io_.poll();
  }

  // Starts an asynchronous call and drains until its callback has run; the result it got.
  template <typename T, typename Start>
  T await(Start&& start) {
    std::optional<T> out;
    start([&out](T value) { out.emplace(std::move(value)); });
    drain();
    EXPECT_TRUE(out.has_value()) << "the callback was never called";
    if (!out) return T(error(ErrorCode::internal, "no answer"));
    return std::move(*out);
  }

  boost::asio::io_context& io() { return io_; }
  store::StoreExecutor& store() { return exec_; }

 private:
  boost::asio::io_context io_;
  store::StoreExecutor exec_;
};

}  // namespace corral::manager::testing
