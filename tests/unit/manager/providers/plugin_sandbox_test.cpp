// What an isolated plugin can reach, asked of the real corral-plugin-host by a plugin that tries
// (plugins/snoop.cpp): not the manager's keys or database, not its environment, not its
// descriptors; as root, not root's identity either. And the local provider, which starts real
// processes, still works inside the same confinement with the paths an operator would allow it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "manager/providers/isolated_client.h"
#include "manager/providers/plugin_sandbox.h"
#include "tests/unit/manager/providers/plugin_dir.h"

namespace corral::manager::providers {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class PluginSandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plugins_.install(SNOOP_PLUGIN, "snoop.so");
    plugins_.install(LOCAL_PLUGIN, "local.so");
    // A manager's data directory, readable by anyone as far as file modes go, so that only the
    // confinement can keep a plugin out.
    data_ = plugins_.root() + "/data";
    fs::create_directory(data_);
    ::chmod(data_.c_str(), 0755);
    for (const char* name : {"master.key", "ca.key", "corral.db"}) {
      std::ofstream(data_ + "/" + name) << "SECRET " << name << "\n";
      ::chmod((data_ + "/" + name).c_str(), 0644);
    }
    allowed_ = plugins_.root() + "/allowed";
    elsewhere_ = plugins_.root() + "/elsewhere";
    for (const std::string& d : {allowed_, elsewhere_}) {
      fs::create_directory(d);
      ::chmod(d.c_str(), 0777);
    }
    // What a manager has and must not hand on: a variable and a descriptor without close-on-exec.
    ::setenv("CORRAL_TEST_MANAGER_SECRET", "manager-secret-value", 1);
    leaked_fd_ = ::open((data_ + "/master.key").c_str(), O_RDONLY);
    ASSERT_GE(leaked_fd_, 0);
  }
  void TearDown() override {
    ::close(leaked_fd_);
    ::unsetenv("CORRAL_TEST_MANAGER_SECRET");
  }

  IsolatedClient::Options options(const std::string& file, const std::string& user) {
    IsolatedClient::Options o;
    o.host_binary = PLUGIN_HOST_BIN;
    o.load.plugin_dir = plugins_.dir();
    o.load.file = file;
    o.user = user;
    o.allow_write = {allowed_};
    return o;
  }
  std::shared_ptr<IsolatedClient> start(IsolatedClient::Options o) {
    auto client = IsolatedClient::start(std::move(o));
    EXPECT_TRUE(client.ok()) << client.status().message();
    return client.ok() ? *client : nullptr;
  }
  static std::string ask(ProviderClient& c, const std::string& what) {
    pv1::CreateVmRequest r;
    r.set_hostname(what);
    auto answer = call<pv1::CreateVmResponse>(c, CORRAL_METHOD_CREATE_VM, r);
    EXPECT_TRUE(answer.ok()) << answer.status().message();
    return answer.ok() ? answer->vm().id() : "";
  }
  static std::set<std::string> variable_names(const std::string& env) {
    std::set<std::string> names;
    std::istringstream in(env);
    for (std::string line; std::getline(in, line);) names.insert(line.substr(0, line.find('=')));
    return names;
  }

  // What every isolated plugin must be kept from, whoever it runs as.
  void expect_nothing_of_the_manager(ProviderClient& snoop) {
    if (landlock_abi() > 0) {
      for (const char* name : {"master.key", "ca.key", "corral.db"}) {
        EXPECT_EQ(ask(snoop, "read:" + data_ + "/" + name), "denied:EACCES") << name;
      }
      EXPECT_EQ(ask(snoop, "write:" + data_ + "/planted"), "denied:EACCES");
      EXPECT_EQ(ask(snoop, "write:" + elsewhere_ + "/planted"), "denied:EACCES");
      // Another process's environment (this one's stands in for the manager's).
      EXPECT_EQ(ask(snoop, "read:/proc/" + std::to_string(::getpid()) + "/environ"), "denied:EACCES");
    }
    EXPECT_EQ(ask(snoop, "write:" + allowed_ + "/ok"), "written");

    std::string env = ask(snoop, "env");
    EXPECT_EQ(env.find("manager-secret-value"), std::string::npos) << env;
    std::set<std::string> names = variable_names(env);
    for (const char* sanitizer : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"}) {
      names.erase(sanitizer);
    }
    EXPECT_EQ(names, (std::set<std::string>{"HOME", "LANG", "PATH", "TMPDIR"})) << env;
    // Its private temp directory is its home, and writable.
    std::string home = env.substr(env.find("HOME=") + 5);
    home = home.substr(0, home.find('\n'));
    EXPECT_EQ(ask(snoop, "write:" + home + "/scratch"), "written") << home;

    std::string fds = ask(snoop, "fds");
    EXPECT_EQ(fds.find(data_), std::string::npos) << "a descriptor of the manager's leaked:\n" << fds;
    EXPECT_EQ(fds.find(" -> " + std::to_string(leaked_fd_) + "\n"), std::string::npos);
  }

  test_support::PluginDir plugins_{"sandbox"};
  std::string data_;
  std::string allowed_;
  std::string elsewhere_;
  int leaked_fd_ = -1;
};

TEST_F(PluginSandboxTest, AsRootThePluginRunsAsThePluginUserAndReachesNothingOfTheManager) {
  if (::geteuid() != 0) GTEST_SKIP() << "the user switch needs root";
  passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  auto snoop = start(options("snoop.so", "nobody"));
  ASSERT_TRUE(snoop);
  EXPECT_EQ(ask(*snoop, "ids"),
            "uid=" + std::to_string(nobody->pw_uid) + " gid=" + std::to_string(nobody->pw_gid) + " groups=0");
  expect_nothing_of_the_manager(*snoop);
}

TEST_F(PluginSandboxTest, LandlockAloneKeepsTheKeysOutOfAPluginOfTheManagersOwnUser) {
  if (landlock_abi() < 1) GTEST_SKIP() << "this kernel has no Landlock";
  // No user switch: the plugin has every permission the file modes give the manager's user.
  auto snoop = start(options("snoop.so", ""));
  ASSERT_TRUE(snoop);
  EXPECT_EQ(ask(*snoop, "ids").rfind("uid=" + std::to_string(::getuid()) + " ", 0), 0u);
  expect_nothing_of_the_manager(*snoop);
  // The system directories it needs to run stay readable.
  EXPECT_EQ(ask(*snoop, "read:/etc/hostname").rfind("read:", 0), 0u);
}

TEST_F(PluginSandboxTest, TheLocalProviderRunsItsVmsWithThePathsItIsAllowed) {
  // What an operator gives the local provider: its state directory, and /proc to find and stop
  // the processes of its VMs.
  std::string state = allowed_ + "/state";
  fs::create_directory(state);
  auto o = options("local.so", ::geteuid() == 0 ? "nobody" : "");
  o.allow_write = {state};
  o.allow_read = {"/proc"};
  if (::geteuid() == 0) {
    passwd* nobody = ::getpwnam("nobody");
    ASSERT_NE(nobody, nullptr);
    ASSERT_EQ(::chown(state.c_str(), nobody->pw_uid, nobody->pw_gid), 0);
  }
  auto local = start(o);
  ASSERT_TRUE(local);

  pv1::ProviderConfig config;
  config.set_name("dev");
  config.set_config_json(R"({"state_dir":")" + state + R"(","max_vms":2,"stop_grace_ms":300})");
  pv1::CreateVmRequest create;
  *create.mutable_config() = config;
  create.set_idempotency_key("k1");
  create.set_hostname("vm-1");
  create.set_startup_script("echo started > started.txt\nexec sleep 600\n");
  create.set_os_type(pv1::OS_TYPE_LINUX);
  auto created = call<pv1::CreateVmResponse>(*local, CORRAL_METHOD_CREATE_VM, create);
  ASSERT_TRUE(created.ok()) << created.status().message();
  ASSERT_FALSE(created->has_error()) << created->error().message();
  const std::string vm_dir = state + "/vms/" + created->vm().id();
  // The VM's script is a process of the confined host: it writes where the provider may.
  auto until = std::chrono::steady_clock::now() + 60s;
  while (!fs::exists(vm_dir + "/started.txt") && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(fs::exists(vm_dir + "/started.txt"));

  pv1::DeleteVmRequest del;
  *del.mutable_config() = config;
  del.set_vm_id(created->vm().id());
  auto deleted = call<pv1::DeleteVmResponse>(*local, CORRAL_METHOD_DELETE_VM, del);
  ASSERT_TRUE(deleted.ok()) << deleted.status().message();
  ASSERT_FALSE(deleted->has_error()) << deleted->error().message();
  EXPECT_EQ(deleted->state(), pv1::VM_STATE_GONE);
  EXPECT_FALSE(fs::exists(vm_dir));
}

}  // namespace
}  // namespace corral::manager::providers
