#include "common/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

namespace corral {
namespace {

TEST(Files, WriteAtomicSetsModeAndReadsBack) {
  auto dir = std::filesystem::temp_directory_path() / ("corral-files-" + std::to_string(::getpid()));
  ASSERT_TRUE(ensure_directory(dir.string(), 0700).ok());
  std::string path = (dir / "secret").string();
  ASSERT_TRUE(write_file_atomic(path, "abc", 0600).ok());
  struct stat st{};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_file(path).value(), "abc");
  ASSERT_TRUE(write_file_atomic(path, "replaced", 0600).ok());
  EXPECT_EQ(read_file(path).value(), "replaced");
  EXPECT_FALSE(file_exists(path + ".tmp"));
  EXPECT_FALSE(read_file((dir / "missing").string()).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace corral
