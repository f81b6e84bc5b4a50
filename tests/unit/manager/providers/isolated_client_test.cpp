// Process isolation with the real corral-plugin-host: a plugin that segfaults fails only the call
// it crashed in, this (manager) process carries on, and the next call runs in a new host.
#include "manager/providers/isolated_client.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <future>
#include <vector>

namespace corral::manager::providers {
namespace {

namespace fs = std::filesystem;

class IsolatedClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/corral-isolated-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ::chmod(dir_.c_str(), 0755);
    for (auto [from, name] : {std::pair{CRASHY_PLUGIN, "crashy.so"}, std::pair{NO_ENTRY_PLUGIN, "no_entry.so"}}) {
      fs::copy_file(from, dir_ + "/" + name);
      ::chmod((dir_ + "/" + name).c_str(), 0755);
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  IsolatedClient::Options options(const std::string& file) {
    IsolatedClient::Options o;
    o.host_binary = PLUGIN_HOST_BIN;
    o.load.plugin_dir = dir_;
    o.load.file = file;
    return o;
  }
  static Result<pv1::CreateVmResponse> create(ProviderClient& c, const std::string& hostname,
                                              std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    pv1::CreateVmRequest r;
    r.set_hostname(hostname);
    CallOptions o;
    o.timeout = timeout;
    return call<pv1::CreateVmResponse>(c, CORRAL_METHOD_CREATE_VM, r, o);
  }

  std::string dir_;
};

TEST_F(IsolatedClientTest, CrashFailsOnlyThatCallAndTheHostIsRestarted) {
  auto client = IsolatedClient::start(options("crashy.so"));
  ASSERT_TRUE(client.ok()) << client.status().message();
  EXPECT_EQ((*client)->description().name(), "crashy");
  pid_t first = (*client)->host_pid();
  ASSERT_GT(first, 0);

  auto ok = create(**client, "a");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->vm().id(), "vm-a");

  auto crashed = create(**client, "crash");
  ASSERT_FALSE(crashed.ok());
  EXPECT_NE(crashed.status().message().find("plugin 'crashy'"), std::string::npos) << crashed.status().message();
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer catches the SIGSEGV in the host and exits with status 1 instead.
  EXPECT_NE(crashed.status().message().find("exited with status 1 during the call"), std::string::npos)
      << crashed.status().message();
#else
  EXPECT_NE(crashed.status().message().find("killed by signal 11"), std::string::npos) << crashed.status().message();
#endif

  auto after = create(**client, "b");
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(after->vm().id(), "vm-b");
  EXPECT_NE((*client)->host_pid(), first) << "the crashed host should have been replaced";
}

TEST_F(IsolatedClientTest, CallsRunConcurrentlyAndACrashFailsThoseInFlight) {
  auto client = IsolatedClient::start(options("crashy.so"));
  ASSERT_TRUE(client.ok()) << client.status().message();
  auto slow = std::async(std::launch::async, [&] { return create(**client, "sleep"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto quick = create(**client, "q");  // answered while "sleep" is still running
  ASSERT_TRUE(quick.ok()) << quick.status().message();
  auto crash = create(**client, "crash");
  EXPECT_FALSE(crash.ok());
  auto slow_result = slow.get();
  ASSERT_FALSE(slow_result.ok()) << "the call in flight when the host crashed must fail";
  EXPECT_NE(slow_result.status().message().find("during the call"), std::string::npos);
}

TEST_F(IsolatedClientTest, DeadlineEndsTheWaitAndTheHostStaysUsable) {
  auto client = IsolatedClient::start(options("crashy.so"));
  ASSERT_TRUE(client.ok()) << client.status().message();
  auto late = create(**client, "sleep", std::chrono::milliseconds(200));
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.status().message().find("no answer within the deadline"), std::string::npos) << late.status().message();
  auto next = create(**client, "n");
  EXPECT_TRUE(next.ok()) << next.status().message();
}

TEST_F(IsolatedClientTest, PluginTheHostCannotLoadIsAnErrorAtStart) {
  auto client = IsolatedClient::start(options("no_entry.so"));
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.status().message().find("no_entry.so: corral-plugin-host refused to load it"), std::string::npos)
      << client.status().message();
}

}  // namespace
}  // namespace corral::manager::providers
