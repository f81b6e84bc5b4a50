// The manager loads the provider plugins its config names, in-process or isolated, lists them on
// /api/v1/plugins, and refuses to start when one fails its checks.
#include <sys/stat.h>

#include <filesystem>

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
           "  dir: " + dir + "\n"
           "  load:\n"
           "    - file: corral-provider-memory.so\n"
           "      isolation: in_process\n"
           "    - file: corral-provider-local.so\n";
  }
};

TEST_F(PluginsTest, ConfiguredPluginsAreLoadedAndListed) {
  auto m = start_manager("m", config(plugin_dir()));
  auto r = m->call("GET", "/api/v1/plugins");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  // Sorted by name; the local plugin runs in its own corral-plugin-host by default.
  EXPECT_NE(r->body.find(R"("name":"local","version":"1.0.0","file":"corral-provider-local.so","isolation":"process")"),
            std::string::npos) << r->body;
  EXPECT_NE(r->body.find(R"("name":"memory","version":"1.0.0","file":"corral-provider-memory.so","isolation":"in_process")"),
            std::string::npos) << r->body;
  EXPECT_NE(r->body.find("state_dir"), std::string::npos) << "the config schema should be shown";
  EXPECT_TRUE(m->process().wait_for_log("event=plugin.loaded file=corral-provider-local.so name=local", 5s));
  EXPECT_FALSE(m->call("GET", "/api/v1/plugins", "", false)->status == 200) << "listing needs the admin token";
}

TEST_F(PluginsTest, PluginThatFailsItsChecksStopsTheManagerWithTheReason) {
  std::string dir = plugin_dir();
  ::chmod((dir + "/corral-provider-memory.so").c_str(), 0777);
  fs::create_directories(work_ + "/bad");
  ManagerUnderTest m(work_ + "/bad", config(dir));
  EXPECT_FALSE(m.start());
  EXPECT_NE(m.process().log().find("plugin corral-provider-memory.so: the file is group- or world-writable"),
            std::string::npos) << m.process().log();
}

}  // namespace
}  // namespace corral::testing
