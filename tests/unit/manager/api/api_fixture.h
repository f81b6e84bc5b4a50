// A real SQLite store and admin token in a temp directory, and a way to call routes through
// ApiServer as the network thread would, for unit tests of the REST handlers.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "common/clock.h"
#include "common/files.h"
#include "manager/api/api_server.h"
#include "manager/api/user_auth.h"
#include "manager/store/sqlite_store.h"
#include "tests/unit/manager/core_loop.h"

namespace corral::manager::testing {

class ApiFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("corral-api-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    store_ = store::SqliteStore::open((dir_ / "db").string()).value();
    core_.emplace(*store_);
    auth_ = std::make_unique<AdminAuth>();
    ASSERT_TRUE(auth_->initialize(*store_, (dir_ / "admin.token").string(), clock_).ok());
    auto token = read_file((dir_ / "admin.token").string());
    ASSERT_TRUE(token.ok());
    bearer_ = "Bearer " + token->substr(0, token->find('\n'));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // "PATH?QUERY" → the answer, once the core has run everything the request set off.
  HttpResponse call(const ApiServer& server, const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& if_match = "") {
    std::optional<HttpResponse> out;
    server.handle(request(method, target, body, if_match), [&](HttpResponse r) { out = std::move(r); });
    core_->drain();
    EXPECT_TRUE(out.has_value()) << method << " " << target << " was not answered";
    return out.value_or(HttpResponse{});
  }

  HttpRequest request(const std::string& method, const std::string& target, const std::string& body = "",
                      const std::string& if_match = "") const {
    HttpRequest r;
    r.method = method;
    size_t q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.body = body;
    r.if_match = if_match;
    r.authorization = bearer_;
    r.peer_address = "127.0.0.1";
    return r;
  }

  static std::string header(const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "<absent>";
  }

  std::filesystem::path dir_;
  ManualClock clock_;
  std::unique_ptr<store::SqliteStore> store_;
  std::optional<CoreLoop> core_;
  std::unique_ptr<AdminAuth> auth_;
  UserAuth users_{clock_, std::chrono::hours(1)};  // no user tokens unless a test issues one
  std::string bearer_;
};

}  // namespace corral::manager::testing
