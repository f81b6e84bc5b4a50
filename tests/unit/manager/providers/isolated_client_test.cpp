// Process isolation with the real corral-plugin-host: a plugin that segfaults or hangs fails only
// the calls it had, this process (standing in for the manager) carries on, and the next call runs
// in a new host process. The test plugin (plugins/crashy.cpp) signals through files: a call under
// way has created its ".started" marker, and holds until the test creates its ".go".
#include "manager/providers/isolated_client.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

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

// Waits for a signal another process gives (a file, a process ending), giving up after a minute.
bool wait_for(const std::function<bool()>& pred) {
  auto until = std::chrono::steady_clock::now() + 60s;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// A process that ended and was reaped (kill(2) still finds a zombie).
bool reaped(pid_t pid) { return !process_exists(pid); }

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class IsolatedClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = plugins_.dir();
    plugins_.install(CRASHY_PLUGIN, "crashy.so");
    plugins_.install(NO_ENTRY_PLUGIN, "no_entry.so");
    scratch_ = plugins_.root() + "/scratch";
    fs::create_directory(scratch_);
    // In a sanitizer build the child's runtime would catch SIGSEGV and exit with a status of its
    // own; let the signal end it, as it does in production, so the crash tests hold there too.
    // (The host's environment is fixed, but it keeps the sanitizer options.)
    for (const char* var : {"ASAN_OPTIONS", "TSAN_OPTIONS"}) {
      const char* was = std::getenv(var);
      std::string value = was == nullptr ? "" : was;
      if (value.find("handle_segv=0") == std::string::npos) {
        ::setenv(var, (value.empty() ? "handle_segv=0" : value + ":handle_segv=0").c_str(), 1);
      }
    }
  }

  IsolatedClient::Options options(const std::string& file) {
    IsolatedClient::Options o;
    o.host_binary = PLUGIN_HOST_BIN;
    o.load.plugin_dir = dir_;
    o.load.file = file;
    o.deadline_grace = 300ms;
    o.allow_write = {scratch_};
    o.environment = {{"CRASHY_DIR", scratch_}};
    return o;
  }
  std::shared_ptr<IsolatedClient> start(IsolatedClient::Options o) {
    auto client = IsolatedClient::start(std::move(o));
    EXPECT_TRUE(client.ok()) << client.status().message();
    return client.ok() ? *client : nullptr;
  }
  static Result<pv1::CreateVmResponse> create(ProviderClient& c, const std::string& hostname,
                                              std::chrono::milliseconds timeout = 60s,
                                              std::shared_ptr<std::atomic<bool>> cancelled = nullptr) {
    pv1::CreateVmRequest r;
    r.set_hostname(hostname);
    CallOptions o;
    o.timeout = timeout;
    o.cancelled = std::move(cancelled);
    return call<pv1::CreateVmResponse>(c, CORRAL_METHOD_CREATE_VM, r, o);
  }
  std::string marker(const std::string& name) const { return scratch_ + "/" + name; }
  bool started(const std::string& gate) const {
    return wait_for([&] { return fs::exists(marker(gate + ".started")); });
  }
  void open_gate(const std::string& gate) const { std::ofstream(marker(gate + ".go")) << "go\n"; }

  test_support::PluginDir plugins_{"isolated"};
  std::string dir_;
  std::string scratch_;
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
  EXPECT_TRUE(wait_for([&] { return reaped(first); }));
}

TEST_F(IsolatedClientTest, CallsRunConcurrentlyAndACrashFailsThoseInFlight) {
  auto client = start(options("crashy.so"));
  ASSERT_TRUE(client);
  auto slow = std::async(std::launch::async, [&] { return create(*client, "gate:slow"); });
  ASSERT_TRUE(started("slow"));
  // Answered while "slow" cannot have finished: its gate is still closed.
  auto quick = create(*client, "q");
  ASSERT_TRUE(quick.ok()) << quick.status().message();
  EXPECT_EQ(quick->vm().id(), "vm-q");
  auto crash = create(*client, "crash");
  EXPECT_FALSE(crash.ok());
  auto slow_result = slow.get();
  ASSERT_FALSE(slow_result.ok()) << "the call in flight when the host crashed must fail";
  EXPECT_NE(slow_result.status().message().find("was killed by signal 11 (Segmentation fault) during the call"),
            std::string::npos)
      << slow_result.status().message();
  EXPECT_TRUE(create(*client, "next").ok());
}

TEST_F(IsolatedClientTest, CallPastItsDeadlineFailsAloneAndItsHostIsRetiredOnceTheOthersAreDone) {
  auto client = start(options("crashy.so"));
  ASSERT_TRUE(client);
  pid_t first = client->host_pid();
  auto other = std::async(std::launch::async, [&] { return create(*client, "gate:other"); });
  ASSERT_TRUE(started("other"));

  auto began = std::chrono::steady_clock::now();
  auto late = create(*client, "gate:late", 200ms);  // the plugin ignores its deadline
  EXPECT_GE(std::chrono::steady_clock::now() - began, 500ms) << "deadline plus grace";
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), ErrorCode::unavailable);
  EXPECT_NE(late.status().message().find("plugin 'crashy' CreateVm: no answer within the deadline (200 ms) and 300 ms "
                                         "of grace; its plugin host process (pid " +
                                         std::to_string(first) +
                                         ") takes no new calls and is killed once its other calls are done"),
            std::string::npos)
      << late.status().message();

  // New calls go to a new host; the old one still serves the call it had.
  auto next = create(*client, "n");
  ASSERT_TRUE(next.ok()) << next.status().message();
  EXPECT_EQ(next->vm().id(), "vm-n");
  EXPECT_NE(client->host_pid(), first);
  EXPECT_TRUE(process_exists(first)) << "the other call is still running there";

  open_gate("other");
  auto other_result = other.get();
  ASSERT_TRUE(other_result.ok()) << other_result.status().message();
  EXPECT_EQ(other_result->vm().id(), "released-other") << "the other call finished in the retired host";

  // Only the overdue call is left on it: it is killed, not asked to shut down in order.
  EXPECT_TRUE(wait_for([&] { return reaped(first); }));
  EXPECT_FALSE(fs::exists(marker("shutdown.log"))) << read_file(marker("shutdown.log"));
  EXPECT_TRUE(create(*client, "after").ok());
}

TEST_F(IsolatedClientTest, CancellationReachesThePluginAndTheCallReturnsAtOnce) {
  auto client = start(options("crashy.so"));
  ASSERT_TRUE(client);
  pid_t pid = client->host_pid();
  auto flag = std::make_shared<std::atomic<bool>>(false);
  auto waiting = std::async(std::launch::async, [&] { return create(*client, "wait_cancel", 60s, flag); });
  ASSERT_TRUE(started("wait_cancel"));
  flag->store(true);
  auto r = waiting.get();  // the plugin would wait a minute for a cancellation it never saw
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("plugin 'crashy' CreateVm: CANCELLED"), std::string::npos)
      << r.status().message();
  // The plugin saw the cancellation through call_cancelled, in the same process.
  EXPECT_TRUE(wait_for([&] {
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
  EXPECT_NE(
      no_host.status().message().find("plugin crashy.so: cannot run corral-plugin-host " + dir_ + "/no-such-host"),
      std::string::npos)
      << no_host.status().message();

  auto relative = options("crashy.so");
  relative.allow_write = {"state"};
  EXPECT_EQ(IsolatedClient::start(relative).status().message(),
            "plugin crashy.so: the allowed path 'state' is not absolute");
}

TEST_F(IsolatedClientTest, AMissingPluginUserIsRefusedNamingIt) {
  if (::geteuid() != 0) GTEST_SKIP() << "the plugin user is used only when the manager runs as root";
  auto o = options("crashy.so");
  o.user = "corral-no-such-user";
  auto client = IsolatedClient::start(o);
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.status().message().find("plugin crashy.so: the manager runs as root and isolated plugins run as "
                                           "the user 'corral-no-such-user' (plugins.user), which does not exist"),
            std::string::npos)
      << client.status().message();
}

TEST_F(IsolatedClientTest, AHostThatKeepsDyingIsRestartedWithBackoff) {
  auto o = options("crashy.so");
  o.backoff_base = 500ms;
  auto client = start(o);
  ASSERT_TRUE(client);
  std::ofstream(marker("crash-at-load")) << "1\n";
  EXPECT_FALSE(create(*client, "crash").ok());  // dies before answering anything: failure 1
  // The next start waits 500 ms, then the new host crashes while loading: failure 2.
  auto reload = create(*client, "x");
  ASSERT_FALSE(reload.ok());
  EXPECT_NE(reload.status().message().find("plugin crashy.so: corral-plugin-host was killed by signal 11 "
                                           "(Segmentation fault) before the plugin was loaded"),
            std::string::npos)
      << reload.status().message();
  // Now the next start is a second away: a call with less time than that fails without a start.
  auto hurried = create(*client, "x", 50ms);
  ASSERT_FALSE(hurried.ok());
  EXPECT_NE(hurried.status().message().find("its plugin host process keeps failing"), std::string::npos)
      << hurried.status().message();
  EXPECT_NE(hurried.status().message().find("after this call's deadline"), std::string::npos);

  fs::remove(marker("crash-at-load"));
  auto patient = create(*client, "y");
  ASSERT_TRUE(patient.ok()) << patient.status().message();
  EXPECT_EQ(patient->vm().id(), "vm-y");
}

TEST_F(IsolatedClientTest, EveryHostLoadsTheFileThatWasCheckedNotWhatIsAtItsPathNow) {
  auto client = start(options("crashy.so"));
  ASSERT_TRUE(client);
  // Replaced by another file under the same name: the next host still loads the checked one.
  fs::rename(plugins_.path("no_entry.so"), plugins_.path("crashy.so"));
  EXPECT_FALSE(create(*client, "crash").ok());
  auto replaced = create(*client, "r");
  ASSERT_TRUE(replaced.ok()) << replaced.status().message();
  EXPECT_EQ(replaced->vm().id(), "vm-r");
}

TEST_F(IsolatedClientTest, AHostRefusesAFileChangedSinceItWasChecked) {
  auto client = start(options("crashy.so"));
  ASSERT_TRUE(client);
  EXPECT_FALSE(create(*client, "crash").ok());
  {
    // The same file, written over in place: the descriptor the manager holds reads new bytes.
    std::fstream f(plugins_.path("crashy.so"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0, std::ios::end);
    f << "appended";
  }
  auto refused = create(*client, "x");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("plugin crashy.so: its SHA-256 changed from "), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("since the manager checked it"), std::string::npos);
}

TEST_F(IsolatedClientTest, DestroyingTheClientShutsThePluginDownInItsProcess) {
  pid_t pid = 0;
  {
    auto client = start(options("crashy.so"));
    ASSERT_TRUE(client);
    pid = client->host_pid();
    ASSERT_TRUE(create(*client, "a").ok());
  }
  EXPECT_FALSE(process_exists(pid)) << "stopped and reaped";
  EXPECT_EQ(read_file(marker("shutdown.log")), "shutdown\n") << "shutdown ran once, before the process ended";
}

TEST_F(IsolatedClientTest, PluginHttpRunsInTheChildWithTheManagersHttpSettings) {
  auto pki = testing::make_test_pki("corral isolated client test CA");
  ASSERT_TRUE(pki.ok());
  std::string ca = plugins_.root() + "/ca.crt";
  std::ofstream(ca) << pki->ca_pem;
  auto server = testing::LoopbackHttpsServer::start(pki->server_cert_pem, pki->server_key_pem, [](const auto&) {
    testing::LoopbackHttpsServer::Reply reply;
    reply.status = 204;
    return reply;
  });
  ASSERT_TRUE(server.ok());
  auto o = options("crashy.so");
  o.http.set_ca_bundle_file(ca);  // read before the host confines itself: not an allowed path
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
