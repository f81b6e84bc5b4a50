// The manager refuses to start on secrets other local users could read: the real binary, a real
// data directory, one file's mode loosened at a time.
#include <sys/stat.h>

#include <cstdio>
#include <ostream>

#include "tests/integration/harness/fleet_test.h"

namespace corral::testing {
namespace {

using namespace std::chrono_literals;

struct LooseFile {
  std::string file;  // in the data directory; empty for the directory itself
  mode_t mode;
  std::string kind;
};

void PrintTo(const LooseFile& f, std::ostream* os) { *os << (f.file.empty() ? "the data directory" : f.file); }

class ManagerFilesTest : public FleetTest, public ::testing::WithParamInterface<LooseFile> {};

TEST_P(ManagerFilesTest, LooseModeStopsTheManagerNamingTheFileAndItsMode) {
  auto m = start_manager();
  ASSERT_EQ(m->stop(), 0) << m->process().log();
  std::string path = GetParam().file.empty() ? m->data_dir() : m->data_dir() + "/" + GetParam().file;
  ASSERT_EQ(::chmod(path.c_str(), GetParam().mode), 0) << path;

  EXPECT_FALSE(m->start());
  EXPECT_EQ(m->process().wait_exit(20s), 1);
  char octal[8];
  std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(GetParam().mode));
  std::string log = m->process().log();
  EXPECT_NE(log.find("event=manager.start_failed"), std::string::npos) << log;
  EXPECT_NE(log.find(GetParam().kind + " " + path + " is mode " + octal + ", open to group or others"),
            std::string::npos)
      << log;
}

INSTANTIATE_TEST_SUITE_P(
    Secrets, ManagerFilesTest,
    ::testing::Values(LooseFile{"ca.key", 0644, "CA private key"}, LooseFile{"server.key", 0640, "server private key"},
                      LooseFile{"admin.token", 0644, "admin token"}, LooseFile{"master.key", 0604, "master key"},
                      LooseFile{"corral.db", 0644, "store"}, LooseFile{"", 0755, "data directory"}),
    [](const ::testing::TestParamInfo<LooseFile>& param_info) {
      std::string name = param_info.param.file.empty() ? "data_dir" : param_info.param.file;
      for (char& c : name) c = c == '.' ? '_' : c;
      return name;
    });

}  // namespace
}  // namespace corral::testing
