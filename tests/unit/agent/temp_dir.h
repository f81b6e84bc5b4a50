// A scratch directory for one test, removed when the test ends.
#pragma once

#include <filesystem>
#include <string>

#include "common/encoding.h"

namespace corral::agent::testing {

class TempDir {
 public:
  TempDir() : path_(std::filesystem::temp_directory_path() / ("corral-agent-test-" + random_token(12))) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace corral::agent::testing
