// Test doubles for corralctl's injected world: an environment from a map, a scratch directory,
// a transport that records requests and answers with canned responses, and a harness that runs
// corralctl's command line against them.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "cli/api_client.h"
#include "cli/run.h"
#include "cli/settings.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/result.h"

namespace corral::cli::testing {

inline Getenv fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

// A fresh directory under the system temp dir, removed with the object.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("corral-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string path() const { return path_.string(); }
  // Writes NAME (creating parent directories) and returns its full path.
  std::string write(const std::string& name, const std::string& content) const {
    auto p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    (void)write_file_atomic(p.string(), content, 0600);
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

// Records every request and answers with the next canned result (the last one repeats).
struct FakeTransport {
  std::vector<http::Request> requests;
  std::vector<Result<http::Response>> answers;
  // Called with each request before it is answered (to look at what was printed so far).
  std::function<void(const http::Request&)> on_request;

  Transport transport() {
    return [this](const http::Request& request) -> Result<http::Response> {
      if (on_request) on_request(request);
      requests.push_back(request);
      size_t i = requests.size() - 1;
      if (answers.empty()) return error(ErrorCode::internal, "no canned answer");
      return answers[i < answers.size() ? i : answers.size() - 1];
    };
  }
};

inline http::Response response(long status, std::string body, http::Headers headers = {}) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = "application/json";
  r.headers = std::move(headers);
  return r;
}

inline std::string header_of(const http::Request& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

constexpr const char* kToken = "cadm.id.s3cret";
// The manager's address in the command tests' settings.
inline const std::string kBase = "https://m.test:8443";

// RESULT's value, or FALLBACK when it is an error (which the comparison then shows).
template <typename T>
T or_else(Result<T> result, std::type_identity_t<T> fallback) {
  return result.ok() ? std::move(*result) : fallback;
}

// Runs corralctl against a fake manager; the environment supplies server and token unless a
// test changes it.
struct Harness {
  FakeTransport fake;
  ManualClock clock{std::chrono::system_clock::time_point{std::chrono::seconds(1'700'000'000)}};
  std::ostringstream out;
  std::ostringstream err;
  std::istringstream in;  // standard input
  // The waits `events --follow` asked for; none is really waited.
  std::vector<std::chrono::milliseconds> pauses;
  std::map<std::string, std::string> env{{"CORRAL_SERVER", "https://m.test:8443"}, {"CORRAL_TOKEN", kToken}};

  int run(std::vector<std::string> args) {
    RunContext context;
    context.transport = fake.transport();
    context.getenv = fake_env(env);
    context.clock = &clock;
    context.out = &out;
    context.err = &err;
    context.in = &in;
    context.pause = [this](std::chrono::milliseconds d) { pauses.push_back(d); };
    return cli::run(args, context);
  }

  // The one request sent (empty if none or several were).
  http::Request only_request() const { return fake.requests.size() == 1 ? fake.requests[0] : http::Request(); }
};

}  // namespace corral::cli::testing
