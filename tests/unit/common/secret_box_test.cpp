// Secrets at rest: round trip, a fresh nonce per seal, and refusal of anything tampered with,
// moved to another field or sealed under another key; the key file's rules.
#include "common/secret_box.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace corral {
namespace {

SecretBox box(char fill) { return SecretBox::from_key(std::string(32, fill)).value(); }

TEST(SecretBoxTest, SealsAndOpensWithTheSameAssociatedData) {
  SecretBox b = box('k');
  std::string sealed = b.seal("s3cr3t-value", "provider-config/1/api_key");
  EXPECT_TRUE(SecretBox::looks_sealed(sealed));
  EXPECT_EQ(sealed.find("s3cr3t"), std::string::npos);
  auto opened = b.open(sealed, "provider-config/1/api_key");
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(*opened, "s3cr3t-value");
  EXPECT_NE(b.seal("s3cr3t-value", "a"), b.seal("s3cr3t-value", "a")) << "each seal needs a fresh nonce";
}

TEST(SecretBoxTest, RefusesTamperingAnotherFieldAndAnotherKey) {
  SecretBox b = box('k');
  std::string sealed = b.seal("value", "provider-config/1/api_key");
  EXPECT_FALSE(b.open(sealed, "provider-config/2/api_key").ok()) << "moved to another config";
  EXPECT_FALSE(box('x').open(sealed, "provider-config/1/api_key").ok()) << "another master key";
  std::string tampered = sealed;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(b.open(tampered, "provider-config/1/api_key").ok());
  EXPECT_FALSE(b.open("plaintext", "x").ok());
  EXPECT_FALSE(b.open("v1:!!!", "x").ok());
}

TEST(SecretBoxTest, KeyFileIsCreated0600AndReusedAndCheckedOnOpen) {
  std::string dir = ::testing::TempDir() + "/secret-box-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::string file = dir + "/master.key";
  auto first = SecretBox::open_or_create(file);
  ASSERT_TRUE(first.ok()) << first.status().message();
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  std::string sealed = first->seal("v", "ad");
  auto again = SecretBox::open_or_create(file);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again->open(sealed, "ad"), "v") << "the second start must use the same key";

  ::chmod(file.c_str(), 0644);
  auto readable = SecretBox::open_or_create(file);
  ASSERT_FALSE(readable.ok());
  EXPECT_NE(readable.status().message().find("mode 0600"), std::string::npos);
  ::chmod(file.c_str(), 0600);
  std::ofstream(file, std::ios::trunc) << "short";
  auto wrong_size = SecretBox::open_or_create(file);
  ASSERT_FALSE(wrong_size.ok());
  EXPECT_NE(wrong_size.status().message().find("32 bytes"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace corral
