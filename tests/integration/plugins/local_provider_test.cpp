// The local provider with real processes: VMs survive a new plugin instance (a manager or plugin
// host restart), deleting stops the whole process tree and removes the directory, a script that
// exits is reported, and bad input leaves nothing behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "corral/sdk/testing/plugin_harness.h"

namespace {

namespace fs = std::filesystem;
namespace pv1 = corral::provider::v1;
using corral::sdk::testing::PluginHarness;
using namespace std::chrono_literals;

class LocalProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/corral-local-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    config_.set_name("dev");
    config_.set_config_json(R"({"state_dir":")" + dir_ + R"(","max_vms":2,"stop_grace_ms":300})");
  }
  void TearDown() override { fs::remove_all(dir_); }

  pv1::CreateVmResponse create(PluginHarness& p, const std::string& key, const std::string& script) {
    pv1::CreateVmRequest r;
    *r.mutable_config() = config_;
    r.set_idempotency_key(key);
    r.set_hostname("vm-" + key);
    (*r.mutable_tags())["owner"] = "test";
    r.set_startup_script(script);
    r.set_os_type(pv1::OS_TYPE_LINUX);
    return p.invoke<pv1::CreateVmResponse>(CORRAL_METHOD_CREATE_VM, r);
  }
  pv1::Vm get(PluginHarness& p, const std::string& id) {
    pv1::GetVmRequest r;
    *r.mutable_config() = config_;
    r.set_vm_id(id);
    return p.invoke<pv1::GetVmResponse>(CORRAL_METHOD_GET_VM, r).vm();
  }
  pv1::DeleteVmResponse remove(PluginHarness& p, const std::string& id) {
    pv1::DeleteVmRequest r;
    *r.mutable_config() = config_;
    r.set_vm_id(id);
    return p.invoke<pv1::DeleteVmResponse>(CORRAL_METHOD_DELETE_VM, r);
  }
  static bool alive(pid_t pid) { return kill(pid, 0) == 0; }
  static pid_t read_pid(const std::string& file) {
    for (int i = 0; i < 200; ++i) {
      std::ifstream in(file);
      pid_t pid = 0;
      if (in >> pid && pid > 0) return pid;
      std::this_thread::sleep_for(20ms);
    }
    return 0;
  }
  template <typename Pred>
  static bool eventually(Pred p, std::chrono::milliseconds timeout = 5s) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      if (p()) return true;
      std::this_thread::sleep_for(20ms);
    }
    return p();
  }

  std::string dir_;
  pv1::ProviderConfig config_;
};

TEST_F(LocalProviderTest, VmSurvivesANewPluginInstanceAndDeleteStopsTheWholeTree) {
  const std::string script =
      "echo $$ > script.pid\n"
      "exec sleep 600\n";
  std::string id;
  {
    PluginHarness first(CORRAL_LOCAL_PLUGIN);
    auto created = create(first, "k1", script);
    ASSERT_FALSE(created.has_error()) << created.error().message();
    id = created.vm().id();
    EXPECT_EQ(created.vm().state(), pv1::VM_STATE_RUNNING);
  }  // the first instance is gone, as after a manager restart
  const std::string vm_dir = dir_ + "/vms/" + id;
  pid_t script_pid = read_pid(vm_dir + "/script.pid");
  ASSERT_GT(script_pid, 0);
  EXPECT_TRUE(alive(script_pid));

  PluginHarness second(CORRAL_LOCAL_PLUGIN);
  EXPECT_EQ(get(second, id).state(), pv1::VM_STATE_RUNNING);
  auto again = create(second, "k1", script);
  EXPECT_EQ(again.vm().id(), id) << "the idempotency key must find the VM after a restart";

  auto deleted = remove(second, id);
  EXPECT_FALSE(deleted.has_error()) << deleted.error().message();
  EXPECT_EQ(deleted.state(), pv1::VM_STATE_GONE);
  EXPECT_TRUE(eventually([&] { return !alive(script_pid); }));
  EXPECT_FALSE(fs::exists(vm_dir));
  EXPECT_EQ(get(second, id).state(), pv1::VM_STATE_GONE);
}

TEST_F(LocalProviderTest, ProcessesInTheSessionAreStoppedEvenInAnotherProcessGroup) {
  const std::string script =
      "set -m\n"  // job control: the background job gets its own process group
      "sleep 600 &\n"
      "echo $! > child.pid\n"
      "exec sleep 600\n";
  PluginHarness p(CORRAL_LOCAL_PLUGIN);
  auto created = create(p, "k2", script);
  ASSERT_FALSE(created.has_error()) << created.error().message();
  pid_t child = read_pid(dir_ + "/vms/" + created.vm().id() + "/child.pid");
  ASSERT_GT(child, 0);
  ASSERT_NE(getpgid(child), 0);
  EXPECT_FALSE(remove(p, created.vm().id()).has_error());
  EXPECT_TRUE(eventually([&] { return !alive(child); })) << "a process of the VM survived its deletion";
}

TEST_F(LocalProviderTest, ScriptThatExitsIsReportedAsAnError) {
  PluginHarness p(CORRAL_LOCAL_PLUGIN);
  auto created = create(p, "k3", "echo started; exit 3\n");
  ASSERT_FALSE(created.has_error());
  pv1::Vm vm;
  EXPECT_TRUE(eventually([&] {
    vm = get(p, created.vm().id());
    return vm.state() == pv1::VM_STATE_ERROR;
  }));
  EXPECT_NE(vm.error().message().find("exited"), std::string::npos);
  std::ifstream log(dir_ + "/vms/" + created.vm().id() + "/console.log");
  std::string first;
  std::getline(log, first);
  EXPECT_EQ(first, "started");
  EXPECT_FALSE(remove(p, created.vm().id()).has_error());
}

TEST_F(LocalProviderTest, CapacityAndBadRequestsLeaveNothingBehind) {
  PluginHarness p(CORRAL_LOCAL_PLUGIN);
  auto a = create(p, "a", "exec sleep 600\n");
  auto b = create(p, "b", "exec sleep 600\n");
  auto c = create(p, "c", "exec sleep 600\n");
  ASSERT_FALSE(a.has_error());
  ASSERT_FALSE(b.has_error());
  ASSERT_TRUE(c.has_error());
  EXPECT_EQ(c.error().class_(), pv1::ERROR_CLASS_OUT_OF_CAPACITY);

  pv1::CreateVmRequest windows;
  *windows.mutable_config() = config_;
  windows.set_idempotency_key("w");
  windows.set_os_type(pv1::OS_TYPE_WINDOWS);
  auto w = p.invoke<pv1::CreateVmResponse>(CORRAL_METHOD_CREATE_VM, windows);
  EXPECT_EQ(w.error().class_(), pv1::ERROR_CLASS_INVALID_CONFIG);

  size_t dirs = 0;
  for (const auto& e : fs::directory_iterator(dir_ + "/vms")) dirs += e.is_directory();
  EXPECT_EQ(dirs, 2u);
  EXPECT_FALSE(remove(p, a.vm().id()).has_error());
  EXPECT_FALSE(remove(p, b.vm().id()).has_error());
  EXPECT_TRUE(fs::is_empty(dir_ + "/vms"));
}

}  // namespace
