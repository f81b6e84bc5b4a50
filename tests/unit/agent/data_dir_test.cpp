#include "agent/data_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/files.h"
#include "tests/unit/agent/temp_dir.h"

namespace corral::agent {
namespace {

using corral::agent::state::v1::EnrollmentState;
using testing::TempDir;

EnrollmentState sample_state() {
  EnrollmentState s;
  s.set_agent_id("0f0e8c1a-6d8b-4d6e-9b51-2f7f3a8c9d10");
  s.set_agent_endpoint("wss://localhost:8444/agent/v1");
  s.set_server_id("srv-1");
  (*s.mutable_labels())["zone"] = "a";
  s.set_manager_url("https://localhost:8443");
  s.set_enrolled_at(1700000000);
  return s;
}

TEST(EnrollmentStateFile, RoundTrips) {
  EnrollmentState s = sample_state();
  std::string json = encode_state(s);
  EXPECT_NE(json.find("\"agent_id\""), std::string::npos) << "proto field names, for people reading it";
  auto back = decode_state(json);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->SerializeAsString(), s.SerializeAsString());
}

TEST(EnrollmentStateFile, IgnoresFieldsFromNewerAgents) {
  auto back = decode_state(R"({"agent_id":"a","agent_endpoint":"wss://h:1/agent/v1","added_later":true})");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->agent_id(), "a");
}

TEST(EnrollmentStateFile, RejectsIncompleteOrGarbage) {
  EXPECT_FALSE(decode_state("{").ok());
  EXPECT_FALSE(decode_state(R"({"agent_endpoint":"wss://h:1"})").ok());
  EXPECT_FALSE(decode_state(R"({"agent_id":"a"})").ok());
}

TEST(DataDirFiles, SaveThenLoadCredentials) {
  TempDir tmp;
  DataDir dir(tmp.file("data"));
  EXPECT_FALSE(is_enrolled(dir));
  ASSERT_TRUE(prepare_data_dir(dir).ok());
  ASSERT_TRUE(save_private_key(dir, "KEY PEM").ok());
  ASSERT_TRUE(save_enrollment(dir, sample_state(), "CERT PEM", "CA PEM").ok());
  EXPECT_TRUE(is_enrolled(dir));

  auto c = load_credentials(dir);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->state.agent_id(), sample_state().agent_id());
  EXPECT_EQ(c->certificate_pem, "CERT PEM");
  EXPECT_EQ(c->private_key_pem, "KEY PEM");
  EXPECT_EQ(c->ca_pem, "CA PEM");
}

TEST(DataDirFiles, KeyIsOwnerOnlyAndDirectoryToo) {
  TempDir tmp;
  DataDir dir(tmp.file("data"));
  ASSERT_TRUE(prepare_data_dir(dir).ok());
  ASSERT_TRUE(save_private_key(dir, "KEY PEM").ok());
  struct stat st {};
  ASSERT_EQ(::stat(dir.key_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir.root.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(DataDirFiles, MissingFileIsNamed) {
  TempDir tmp;
  DataDir dir(tmp.path());
  ASSERT_TRUE(save_enrollment(dir, sample_state(), "CERT PEM", "CA PEM").ok());
  auto c = load_credentials(dir);  // no agent.key
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("agent.key"), std::string::npos) << c.status().message();
}

TEST(DataDirFiles, KeyOthersCanReadIsRefusedNamingTheFileAndMode) {
  TempDir tmp;
  DataDir dir(tmp.file("data"));
  ASSERT_TRUE(prepare_data_dir(dir).ok());
  ASSERT_TRUE(save_private_key(dir, "KEY PEM").ok());
  ASSERT_TRUE(save_enrollment(dir, sample_state(), "CERT PEM", "CA PEM").ok());
  ASSERT_EQ(::chmod(dir.key_path().c_str(), 0644), 0);
  auto c = load_credentials(dir);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::failed_precondition);
  EXPECT_NE(c.status().message().find(dir.key_path() + " is mode 0644"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("chmod 600"), std::string::npos) << c.status().message();
}

}  // namespace
}  // namespace corral::agent
