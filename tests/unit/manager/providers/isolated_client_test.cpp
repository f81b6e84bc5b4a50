// Process isolation with the real corral-plugin-host: a plugin that segfaults or hangs fails only
// the calls it had, this process (standing in for the manager) carries on, and the next call runs
// in a new host process.
#include "manager/providers/isolated_client.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/unit/common/http/loopback_https_server.h"
#include "tests/unit/common/http/test_pki.h"
#include "tests/unit/manager/providers/plugin_dir.h"

namespace corral::manager::providers {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0; }

// Waits up to 5 s for PRED.
bool eventually(const std::function<bool()>& pred) {
  for (int i = 0; i < 500; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

class IsolatedClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = plugins_.dir();
    plugins_.install(CRASHY_PLUGIN, "crashy.so");
    plugins_.install(NO_ENTRY_PLUGIN, "no_entry.so");
    ::unsetenv("CRASHY_CRASH_AT_LOAD");
    ::unsetenv("CRASHY_SHUTDOWN_MARKER");
    // In a sanitizer build the child's runtime would catch SIGSEGV and exit with a status of its
    // own; let the signal end it, as it does in production, so the crash tests hold there too.
    for (const char* var : {"ASAN_OPTIONS", "TSAN_OPTIONS"}) {
      const char* was = std::getenv(var);
      std::string value = was == nullptr ? "" : was;
      if (value.find("handle_segv=0") == std::string::npos) {
        ::setenv(var, (value.empty() ? "handle_segv=0" : value + ":handle_segv=0").c_str(), 1);
      }
    }
  }
  void TearDown() override {
    ::unsetenv("CRASHY_CRASH_AT_LOAD");
    ::unsetenv("CRASHY_SHUTDOWN_MARKER");
  }

  IsolatedClient::Options options(const std::string& file) {
    IsolatedClient::Options o;
    o.host_binary = PLUGIN_HOST_BIN;
    o.load.plugin_dir = dir_;
    o.load.file = file;
    o.deadline_grace = 300ms;
    return o;
  }
  std::shared_ptr<IsolatedClient> start(IsolatedClient::Options o) {
    auto client = IsolatedClient::start(std::move(o));
    EXPECT_TRUE(client.ok()) << client.status().message();
    return client.ok() ? *client : nullptr;
  }
  static Result<pv1::CreateVmResponse> create(ProviderClient& c, const std::string& hostname,
                                              std::chrono::milliseconds timeout = 10s,
                                              std::shared_ptr<std::atomic<bool>> cancelled = nullptr) {
    pv1::CreateVmRequest r;
    r.set_hostname(hostname);
    CallOptions o;
    o.timeout = timeout;
    o.cancelled = std::move(cancelled);
    return call<pv1::CreateVmResponse>(c, CORRAL_METHOD_CREATE_VM, r, o);
  }

  test_support::PluginDir plugins_{"isolated"};
  std::string dir_;
};

TEST_F(IsolatedClientTest, CrashFailsOnlyThatCallAndTheHostIsRestarted) {
  auto client = start(options("crashy.so"));
  ASSERT_TRUE(client);
  EXPECT_EQ(client->description().name(), "crashy");
  pid_t first = client->host_pid();
  ASSERT_GT(first, 0);

  auto ok = create(*client, "a");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->vm().id(), "vm-a");

  auto crashed = create(*client, "crash");
  ASSERT_FALSE(crashed.ok());
  EXPECT_EQ(crashed.status().code(), ErrorCode::unavailable);
  EXPECT_NE(crashed.status().message().find("plugin 'crashy': its plugin host process (pid " + std::to_string(first) +
                                            ") was killed by signal 11 (Segmentation fault) during the call"),
            std::string::npos)
      << crashed.status().message();

  auto after = create(*client, "b");
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(after->vm().id(), "vm-b");
  EXPECT_NE(client->host_pid(), first) << "the crashed host should have been replaced";
  EXPECT_FALSE(process_exists(first)) << "and reaped";
}

TEST_F(IsolatedClientTest, CallsRunConcurrentlyAndACrashFailsThoseInFlight) {
  auto client = start(options("crashy.so"));
  ASSERT_TRUE(client);
  auto slow = std::async(std::launch::async, [&] { return create(*client, "sleep"); });
  std::this_thread::sleep_for(300ms);
  auto started = std::chrono::steady_clock::now();
  auto quick = create(*client, "q");  // answered while "sleep" is still running
  ASSERT_TRUE(quick.ok()) << quick.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s) << "calls do not wait for each other";
  auto crash = create(*client, "crash");
  EXPECT_FALSE(crash.ok());
  auto slow_result = slow.get();
  ASSERT_FALSE(slow_result.ok()) << "the call in flight when the host crashed must fail";
  EXPECT_NE(slow_result.status().message().find("was killed by signal 11 (Segmentation fault) during the call"),
            std::string::npos)
      << slow_result.status().message();
  EXPECT_TRUE(create(*client, "next").ok());
}

TEST_F(IsolatedClientTest, CallPastItsDeadlineKillsTheHostAndTheNextCallGetsANewOne) {
  auto client = start(options("crashy.so"));
  ASSERT_TRUE(client);
  pid_t first = client->host_pid();
  auto other = std::async(std::launch::async, [&] { return create(*client, "sleep", 10s); });
  std::this_thread::sleep_for(100ms);
  auto started = std::chrono::steady_clock::now();
  auto late = create(*client, "sleep", 200ms);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), ErrorCode::unavailable);
  EXPECT_NE(late.status().message().find("plugin 'crashy' CreateVm: no answer within the deadline (200 ms) and 300 ms "
                                         "of grace; its plugin host process (pid " +
                                         std::to_string(first) + ") was killed"),
            std::string::npos)
      << late.status().message();
  EXPECT_GE(took, 500ms);
  EXPECT_LT(took, 1500ms) << "the call ends at its deadline plus grace, not when the plugin returns";

  auto other_result = other.get();
  ASSERT_FALSE(other_result.ok()) << "the other call was in the killed process";
  EXPECT_NE(other_result.status().message().find("was killed because a CreateVm call ran 300 ms past its deadline "
                                                 "during the call"),
            std::string::npos)
      << other_result.status().message();
  EXPECT_TRUE(eventually([&] { return !process_exists(first); })) << "killed and reaped";

  auto next = create(*client, "n");
  ASSERT_TRUE(next.ok()) << next.status().message();
  EXPECT_EQ(next->vm().id(), "vm-n");
  EXPECT_NE(client->host_pid(), first);
}

TEST_F(IsolatedClientTest, CancellationReachesThePluginAndTheCallReturnsAtOnce) {
  auto client = start(options("crashy.so"));
  ASSERT_TRUE(client);
  pid_t pid = client->host_pid();
  auto flag = std::make_shared<std::atomic<bool>>(false);
  auto waiting = std::async(std::launch::async, [&] { return create(*client, "wait_cancel", 20s, flag); });
  std::this_thread::sleep_for(200ms);
  auto cancelled_at = std::chrono::steady_clock::now();
  flag->store(true);
  auto r = waiting.get();
  EXPECT_LT(std::chrono::steady_clock::now() - cancelled_at, 1s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("plugin 'crashy' CreateVm: CANCELLED"), std::string::npos)
      << r.status().message();
  // The plugin saw the cancellation through call_cancelled, in the same process.
  EXPECT_TRUE(eventually([&] {
    auto seen = create(*client, "was_cancelled");
    return seen.ok() && seen->vm().id() == "yes";
  }));
  EXPECT_EQ(client->host_pid(), pid) << "cancelling does not cost the process";
}

TEST_F(IsolatedClientTest, PluginTheHostCannotLoadIsAnErrorWithTheReason) {
  auto client = IsolatedClient::start(options("no_entry.so"));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().message(),
            "plugin no_entry.so: not a Corral provider plugin (no corral_provider_plugin_v1 entry)");

  auto missing = IsolatedClient::start(options("absent.so"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("plugin absent.so: no such file in the plugin directory"),
            std::string::npos)
      << missing.status().message();

  auto o = options("crashy.so");
  o.host_binary = dir_ + "/no-such-host";
  auto no_host = IsolatedClient::start(o);
  ASSERT_FALSE(no_host.ok());
  EXPECT_NE(no_host.status().message().find("plugin crashy.so: cannot run corral-plugin-host " + dir_ + "/no-such-host"),
            std::string::npos)
      << no_host.status().message();
}

TEST_F(IsolatedClientTest, AHostThatKeepsDyingIsRestartedWithBackoff) {
  auto client = start(options("crashy.so"));
  ASSERT_TRUE(client);
  ::setenv("CRASHY_CRASH_AT_LOAD", "1", 1);  // inherited by the next host processes
  EXPECT_FALSE(create(*client, "crash").ok());  // dies before answering anything: failure 1
  // The next start waits 100 ms, then the new host crashes while loading: failure 2.
  auto reload = create(*client, "x");
  ASSERT_FALSE(reload.ok());
  EXPECT_NE(reload.status().message().find("plugin crashy.so: corral-plugin-host was killed by signal 11 "
                                           "(Segmentation fault) before the plugin was loaded"),
            std::string::npos)
      << reload.status().message();
  // Now the next start is 200 ms away: a call with less time than that fails without a start.
  auto hurried = create(*client, "x", 50ms);
  ASSERT_FALSE(hurried.ok());
  EXPECT_NE(hurried.status().message().find("its plugin host process keeps failing"), std::string::npos)
      << hurried.status().message();
  EXPECT_NE(hurried.status().message().find("after this call's deadline"), std::string::npos);

  ::unsetenv("CRASHY_CRASH_AT_LOAD");
  auto started = std::chrono::steady_clock::now();
  auto patient = create(*client, "y", 5s);
  ASSERT_TRUE(patient.ok()) << patient.status().message();
  EXPECT_EQ(patient->vm().id(), "vm-y");
  EXPECT_GE(std::chrono::steady_clock::now() - started, 100ms) << "it waited for the back-off";
}

TEST_F(IsolatedClientTest, DestroyingTheClientShutsThePluginDownInItsProcess) {
  std::string marker = dir_ + "/shutdown-marker";
  ::setenv("CRASHY_SHUTDOWN_MARKER", marker.c_str(), 1);
  pid_t pid = 0;
  {
    auto client = start(options("crashy.so"));
    ASSERT_TRUE(client);
    pid = client->host_pid();
    ASSERT_TRUE(create(*client, "a").ok());
  }
  EXPECT_FALSE(process_exists(pid)) << "stopped and reaped";
  std::ifstream in(marker);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_EQ(s.str(), "shutdown\n") << "shutdown ran once, before the process ended";
}

TEST_F(IsolatedClientTest, PluginHttpRunsInTheChildWithTheManagersHttpSettings) {
  auto pki = testing::make_test_pki("corral isolated client test CA");
  ASSERT_TRUE(pki.ok());
  std::string ca = dir_ + "/ca.crt";
  std::ofstream(ca) << pki->ca_pem;
  auto server = testing::LoopbackHttpsServer::start(pki->server_cert_pem, pki->server_key_pem, [](const auto&) {
    testing::LoopbackHttpsServer::Reply reply;
    reply.status = 204;
    return reply;
  });
  ASSERT_TRUE(server.ok());
  auto o = options("crashy.so");
  o.http.set_ca_bundle_file(ca);
  auto client = start(o);
  ASSERT_TRUE(client);
  auto r = create(*client, "http:" + (*server)->url("/ping"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->vm().id(), "http-204") << "the child trusted the CA it was told about";
  EXPECT_EQ((*server)->request_count(), 1u);

  // Without that CA the same request fails verification: the setting did reach the child.
  auto untrusting = start(options("crashy.so"));
  ASSERT_TRUE(untrusting);
  auto refused = create(*untrusting, "http:" + (*server)->url("/ping"));
  ASSERT_TRUE(refused.ok());
  EXPECT_NE(refused->vm().id().rfind("error-0:", 0), std::string::npos) << refused->vm().id();
}

}  // namespace
}  // namespace corral::manager::providers
