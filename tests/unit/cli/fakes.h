// Test doubles for corralctl's injected world: an environment from a map, a scratch directory,
// and a transport that records requests and answers with canned responses.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/api_client.h"
#include "cli/settings.h"
#include "common/files.h"

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

  Transport transport() {
    return [this](const http::Request& request) -> Result<http::Response> {
      requests.push_back(request);
      size_t i = requests.size() - 1;
      if (answers.empty()) return error(ErrorCode::internal, "no canned answer");
      return answers[i < answers.size() ? i : answers.size() - 1];
    };
  }
};

inline http::Response response(long status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = "application/json";
  return r;
}

}  // namespace corral::cli::testing
