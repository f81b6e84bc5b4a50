// The manager loads the provider plugins its config names, in-process or isolated, lists them on
// /api/v1/plugins, and refuses to start when one fails its checks.
#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "common/encoding.h"
#include "tests/integration/harness/fleet_test.h"

namespace corral::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class PluginsTest : public FleetTest {
 protected:
  std::string plugin_dir() {
    std::string dir = work_ + "/plugins";
    fs::create_directories(dir);
    ::chmod(dir.c_str(), 0755);
    for (const char* p : {CORRAL_MEMORY_PLUGIN, CORRAL_LOCAL_PLUGIN}) {
      fs::path to = fs::path(dir) / fs::path(p).filename();
      fs::copy_file(p, to, fs::copy_options::overwrite_existing);
      ::chmod(to.c_str(), 0755);
    }
    return dir;
  }
  std::string config(const std::string& dir) {
    return "plugins:\n"
           "  user: nobody\n"
           "  dir: " +
           dir +
           "\n"
           "  load:\n"
           "    - file: corral-provider-memory.so\n"
           "      isolation: in_process\n"
           "    - file: corral-provider-local.so\n";
  }
  static std::string sha256_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return sha256_hex(s.str());
  }
  // The pids of the plugin host processes the manager started for PLUGIN, in order.
  static std::vector<pid_t> host_pids(const std::string& log, const std::string& plugin) {
    std::vector<pid_t> pids;
    std::regex started("event=plugin\\.host_started plugin=" + plugin + " pid=([0-9]+)");
    for (auto it = std::sregex_iterator(log.begin(), log.end(), started); it != std::sregex_iterator(); ++it) {
      pids.push_back(static_cast<pid_t>(std::stoi((*it)[1].str())));
    }
    return pids;
  }
};

TEST_F(PluginsTest, ConfiguredPluginsAreLoadedAndListed) {
  auto m = start_manager("m", config(plugin_dir()));
  auto r = m->call("GET", "/api/v1/plugins");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  // Sorted by name; the local plugin runs in its own corral-plugin-host by default.
  EXPECT_NE(r->body.find(R"("name":"local","version":"1.0.0","file":"corral-provider-local.so","isolation":"process")"),
            std::string::npos)
      << r->body;
  EXPECT_NE(
      r->body.find(R"("name":"memory","version":"1.0.0","file":"corral-provider-memory.so","isolation":"in_process")"),
      std::string::npos)
      << r->body;
  EXPECT_NE(r->body.find("state_dir"), std::string::npos) << "the config schema should be shown";
  EXPECT_TRUE(m->process().wait_for_log("event=plugin.loaded file=corral-provider-local.so name=local", 5s));
  EXPECT_TRUE(m->process().wait_for_log(
      "name=memory version=1.0.0 isolation=in_process sha256=" + sha256_of(CORRAL_MEMORY_PLUGIN) + " pinned=false", 5s))
      << m->process().log();
  EXPECT_FALSE(m->call("GET", "/api/v1/plugins", "", false)->status == 200) << "listing needs the admin token";
}

TEST_F(PluginsTest, PluginThatFailsItsChecksStopsTheManagerWithTheReason) {
  std::string dir = plugin_dir();
  ::chmod((dir + "/corral-provider-memory.so").c_str(), 0777);
  fs::create_directories(work_ + "/bad");
  ManagerUnderTest m(work_ + "/bad", config(dir));
  EXPECT_FALSE(m.start());
  EXPECT_NE(m.process().log().find("plugin corral-provider-memory.so: the file is group- or world-writable"),
            std::string::npos)
      << m.process().log();
}

TEST_F(PluginsTest, PinnedHashIsCheckedAndLogged) {
  std::string dir = plugin_dir();
  std::string hash = sha256_of(dir + "/corral-provider-memory.so");
  std::string pinned =
      "plugins:\n  user: nobody\n  dir: " + dir + "\n  load:\n    - file: corral-provider-memory.so\n      sha256: ";
  auto m = start_manager("m", pinned + hash + "\n");
  EXPECT_TRUE(m->process().wait_for_log("isolation=process sha256=" + hash + " pinned=true", 5s)) << m->process().log();

  fs::create_directories(work_ + "/bad");
  std::string wrong(64, 'e');
  ManagerUnderTest refused(work_ + "/bad", pinned + wrong + "\n");
  EXPECT_FALSE(refused.start());
  EXPECT_NE(refused.process().log().find("plugin corral-provider-memory.so: its SHA-256 is " + hash +
                                         " but the configuration pins " + wrong),
            std::string::npos)
      << refused.process().log();
}

TEST_F(PluginsTest, IsolatedPluginHostThatDiesIsReplacedAndTheManagerCarriesOn) {
  std::string dir = plugin_dir();
  // In a sanitizer build the host's runtime would catch the SIGSEGV sent below and exit with a
  // status of its own; let the signal end it, as in production. The manager hands its sanitizer
  // options on to its plugin hosts.
  for (const char* var : {"ASAN_OPTIONS", "TSAN_OPTIONS"}) {
    const char* was = std::getenv(var);
    std::string value = was == nullptr ? "" : was;
    ::setenv(var, (value.empty() ? "handle_segv=0" : value + ":handle_segv=0").c_str(), 1);
  }
  auto m = start_manager(
      "m", "plugins:\n  user: nobody\n  dir: " + dir + "\n  load:\n    - file: corral-provider-memory.so\n");
  ASSERT_TRUE(m->process().wait_for_log("event=plugin.host_started plugin=memory pid=", 5s));
  std::vector<pid_t> pids = host_pids(m->process().log(), "memory");
  ASSERT_EQ(pids.size(), 1u) << m->process().log();
  // As if the plugin had crashed.
  ASSERT_EQ(::kill(pids[0], SIGSEGV), 0);
  EXPECT_TRUE(m->process().wait_for_log("event=plugin.host_died plugin=memory pid=" + std::to_string(pids[0]) +
                                            " why=\"was killed by signal 11 (Segmentation fault)\"",
                                        5s))
      << m->process().log();

  // Saving a provider config calls the plugin's ValidateConfig: a new host serves it.
  auto created = m->call("POST", "/api/v1/provider-configs",
                         R"({"name":"dev","plugin":"memory","config":{"capacity":5},)"
                         R"("startupScriptTemplate":"echo {zone}","maxInstances":4})");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->status, 201) << created->body;
  // Log lines are written by the manager's log thread, maybe after the answer: wait for the line.
  ASSERT_TRUE(
      eventually([&] { return m->process().count_in_log("event=plugin.host_started plugin=memory pid=") >= 2; }, 30s))
      << m->process().log();
  pids = host_pids(m->process().log(), "memory");
  ASSERT_EQ(pids.size(), 2u) << m->process().log();
  EXPECT_NE(pids[1], pids[0]);
  auto health = m->call("GET", "/healthz", "", false);
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);

  // Stopping the manager stops the plugin host too.
  m->stop();
  EXPECT_TRUE(eventually([&] { return ::kill(pids[1], 0) != 0; }, 30s)) << "the plugin host outlived the manager";
}

}  // namespace
}  // namespace corral::testing
