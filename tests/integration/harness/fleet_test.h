// gtest fixture for integration tests: a fresh work directory per test, and on failure every
// process log in it is printed so a CI failure can be read without the machine.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "tests/integration/harness/fleet.h"

namespace corral::testing {

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override { work_ = make_temp_dir("corral-it"); }

  void TearDown() override {
    if (HasFailure()) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(work_)) {
        if (entry.path().extension() != ".log") continue;
        std::ifstream in(entry.path());
        std::cerr << "----- " << entry.path().string() << " -----\n" << in.rdbuf() << "\n";
      }
      std::cerr << "work directory kept: " << work_ << "\n";
      return;
    }
    std::error_code ec;
    std::filesystem::remove_all(work_, ec);
  }

  // Starts a manager (optionally with a YAML config) and fails the test if it does not come up.
  std::unique_ptr<ManagerUnderTest> start_manager(const std::string& name = "m", const std::string& yaml = "") {
    std::filesystem::create_directories(work_ + "/" + name);
    auto m = std::make_unique<ManagerUnderTest>(work_ + "/" + name, yaml);
    EXPECT_TRUE(m->start()) << "manager did not start:\n" << m->process().log();
    return m;
  }

  std::string work_;
};

}  // namespace corral::testing
