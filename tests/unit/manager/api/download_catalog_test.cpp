// What a download's name says about it (the index's kind, os and arch), and the config key that
// says where the downloads are.
#include "manager/api/download_catalog.h"

#include <gtest/gtest.h>

#include "manager/manager.h"

namespace corral::manager::api {
namespace {

void expect_download(std::string_view name, const char* kind, const char* os, const char* arch) {
  DownloadFile d = describe_download_name(name);
  EXPECT_EQ(d.kind, kind) << name;
  EXPECT_EQ(d.os, os) << name;
  EXPECT_EQ(d.arch, arch) << name;
}

TEST(DownloadNameTest, PackagesFollowTheirDistributionsConventions) {
  expect_download("corral-agent_0.1.0-1_amd64.deb", "deb", "linux", "amd64");
  expect_download("corral-agent_0.1.0-1_arm64.deb", "deb", "linux", "arm64");
  expect_download("corral-agent-0.1.0-1.x86_64.rpm", "rpm", "linux", "x86_64");
  expect_download("corral-agent-0.1.0-1.noarch.rpm", "rpm", "linux", "noarch");
  expect_download("odd.deb", "deb", "linux", "");
}

TEST(DownloadNameTest, OtherFilesByTheWordsOfTheirName) {
  expect_download("corral-agent-0.1.0-windows-x64.msi", "msi", "windows", "x64");
  expect_download("CorralAgent.msi", "msi", "windows", "");
  expect_download("corral-agent.exe", "exe", "windows", "");
  expect_download("corral-agent-linux-amd64", "file", "linux", "amd64");
  expect_download("corral-agent_linux_x86_64", "file", "linux", "x86_64");
  expect_download("corral-agent-darwin-arm64", "file", "darwin", "arm64");
  expect_download("bootstrap.ps1", "file", "", "");
}

TEST(DownloadsConfigTest, TheDirectoryIsAbsoluteOrLeftToItsDefault) {
  corral::config::v1::ManagerConfig config;
  ASSERT_TRUE(apply_config_defaults(&config).ok());
  EXPECT_TRUE(config.downloads_dir().empty()) << "resolved beside bin/ when the manager opens";
  config.set_downloads_dir("/srv/corral/downloads");
  EXPECT_TRUE(apply_config_defaults(&config).ok());
  config.set_downloads_dir("downloads");
  Status refused = apply_config_defaults(&config);
  EXPECT_EQ(refused.code(), ErrorCode::invalid_argument);
  EXPECT_NE(refused.message().find("downloads_dir must be an absolute path"), std::string::npos) << refused.message();
}

}  // namespace
}  // namespace corral::manager::api
