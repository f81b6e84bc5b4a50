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
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_file(path).value(), "abc");
  ASSERT_TRUE(write_file_atomic(path, "replaced", 0600).ok());
  EXPECT_EQ(read_file(path).value(), "replaced");
  EXPECT_FALSE(file_exists(path + ".tmp"));
  EXPECT_FALSE(read_file((dir / "missing").string()).ok());
  std::filesystem::remove_all(dir);
}

class CheckPrivate : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / ("corral-private-" + std::to_string(::getpid()))).string();
    ASSERT_TRUE(ensure_directory(dir_, 0700).ok());
    file_ = dir_ + "/ca.key";
    ASSERT_TRUE(write_file_atomic(file_, "key", 0600).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  std::string file_;
};

TEST_F(CheckPrivate, AcceptsAFileOnlyItsOwnerMayUseAndAPrivateDirectory) {
  EXPECT_TRUE(check_private(file_, "CA private key").ok());
  ::chmod(file_.c_str(), 0400);
  EXPECT_TRUE(check_private(file_, "CA private key").ok());
  EXPECT_TRUE(check_private(dir_, "data directory").ok());
}

TEST_F(CheckPrivate, RefusesAFileGroupOrOthersMayReadNamingItAndItsMode) {
  ::chmod(file_.c_str(), 0644);
  Status s = check_private(file_, "CA private key");
  EXPECT_EQ(s.code(), ErrorCode::failed_precondition);
  EXPECT_EQ(s.message(), "CA private key " + file_ +
                             " is mode 0644, open to group or others; it must be mode 0600 (chmod 600 " + file_ + ")");
  for (mode_t mode : {0640, 0604, 0620, 0602, 0610}) {
    ::chmod(file_.c_str(), mode);
    EXPECT_EQ(check_private(file_, "key").code(), ErrorCode::failed_precondition) << std::oct << mode;
  }
}

TEST_F(CheckPrivate, RefusesADirectoryGroupOrOthersMayEnter) {
  ::chmod(dir_.c_str(), 0755);
  Status s = check_private(dir_, "data directory");
  EXPECT_EQ(s.code(), ErrorCode::failed_precondition);
  EXPECT_EQ(s.message(), "data directory " + dir_ +
                             " is mode 0755, open to group or others; it must be mode 0700 (chmod 700 " + dir_ + ")");
  ::chmod(dir_.c_str(), 0710);
  EXPECT_FALSE(check_private(dir_, "data directory").ok());
  ::chmod(dir_.c_str(), 0700);
}

TEST_F(CheckPrivate, AMissingFileIsNotFound) {
  Status s = check_private(dir_ + "/missing", "admin token");
  EXPECT_EQ(s.code(), ErrorCode::not_found);
  EXPECT_NE(s.message().find("admin token " + dir_ + "/missing"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace corral
