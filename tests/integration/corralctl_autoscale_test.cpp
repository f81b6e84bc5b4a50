// corralctl autoscale-configs against a real manager with a real provider plugin: a config created
// from a file with its pool and provider config named by name, its password sealed and never
// printed, an edit of `show --json` sent back, a stale edit refused, the pool and the provider
// config kept from deletion while the config uses them, and the config surviving a restart.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/integration/harness/fleet_test.h"

namespace corral::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr char kPassword[] = "as-pw-4b1e8f2e0d55";

class CorralctlAutoscaleTest : public FleetTest {
 protected:
  struct Run {
    int code = -1;
    std::string output;  // stdout and stderr together
  };

  std::unique_ptr<ManagerUnderTest> start() {
    std::string dir = work_ + "/plugins";
    fs::create_directories(dir);
    ::chmod(dir.c_str(), 0755);
    fs::copy_file(CORRAL_MEMORY_PLUGIN, dir + "/memory.so");
    ::chmod((dir + "/memory.so").c_str(), 0755);
    return start_manager("m", "plugins:\n  user: nobody\n  dir: " + dir + "\n  load:\n    - file: memory.so\n");
  }

  Run ctl(const ManagerUnderTest& m, const std::vector<std::string>& args) {
    std::string log = work_ + "/ctl-" + std::to_string(++runs_) + ".out";
    std::map<std::string, std::string> env = {{"CORRAL_SERVER", m.api_url()},
                                              {"CORRAL_CA_CERT", m.data_dir() + "/ca.crt"},
                                              {"CORRAL_TOKEN_FILE", m.data_dir() + "/admin.token"},
                                              {"HOME", work_}};
    Process p = Process::start(corralctl_binary(), args, log, env, {"", work_});
    Run r;
    r.code = p.wait_exit(30s).value_or(-1);
    r.output = p.log();
    outputs_ += r.output;
    return r;
  }

  std::string write(const std::string& name, const std::string& text) {
    std::string path = work_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  static std::string created_id(const std::string& output) {
    std::smatch m;
    if (std::regex_search(output, m, std::regex(R"(\(id ([0-9a-f-]{36})[,)])"))) return m[1];
    return "";
  }

  int runs_ = 0;
  std::string outputs_;
};

#define EXPECT_HAS(run, text) EXPECT_NE((run).output.find(text), std::string::npos) << (run).output
#define ASSERT_OK(run) ASSERT_EQ((run).code, 0) << (run).output

TEST_F(CorralctlAutoscaleTest, AConfigThroughCorralctlFromCreateToDelete) {
  auto m = start();
  ASSERT_OK(ctl(*m, {"pools", "create", "desktops", "--type", "server"}));
  Run provider = ctl(*m, {"provider-configs", "create", "--file",
                          write("provider.json", R"({"name":"mem","plugin":"memory","config":{"capacity":5},
                                "startupScriptTemplate":"echo {join_token}","maxInstances":8})")});
  ASSERT_OK(provider);
  const std::string provider_id = created_id(provider.output);
  ASSERT_FALSE(provider_id.empty()) << provider.output;

  // A dry run: the autoscaler decides and creates nothing, so the config can be deleted at the end.
  const std::string config = write("east.json", std::string(R"({"name":"east","maxInstances":4,"dryRun":true,
      "minimumAvailableSessions":4,"maxSimultaneousSessionsPerServer":2,"connectionPassword":")") +
                                                    kPassword + R"(",
      "schedules":[{"days":["monday","friday"],"startTime":"07:00","endTime":"19:00","timeZone":"Europe/Berlin"}]})");
  Run created =
      ctl(*m, {"autoscale-configs", "create", "--file", config, "--pool", "desktops", "--provider-config", "mem"});
  ASSERT_OK(created);
  const std::string id = created_id(created.output);
  ASSERT_FALSE(id.empty()) << created.output;

  // Validation reaches the user path by path.
  Run bad = ctl(*m, {"autoscale-configs", "create", "--file",
                     write("bad.json", R"({"name":"bad","maxInstances":1,"standbyCores":2,
                           "schedules":[{"startTime":"07:00","endTime":"07:00","timeZone":"Nowhere/Land"}]})"),
                     "--pool", "desktops", "--provider-config", "mem"});
  EXPECT_NE(bad.code, 0);
  EXPECT_HAS(bad, "/standbyCores");
  EXPECT_HAS(bad, "/schedules/0/timeZone");
  EXPECT_HAS(bad, "/schedules/0/endTime");

  Run list = ctl(*m, {"autoscale-configs", "list", "--pool", "desktops"});
  ASSERT_OK(list);
  EXPECT_HAS(list, "east");
  EXPECT_HAS(list, id);

  // show --json, edited and sent back: a compare-and-set on the revision it carries.
  Run shown = ctl(*m, {"autoscale-configs", "show", "east", "--json"});
  ASSERT_OK(shown);
  EXPECT_HAS(shown, "\"connectionPassword\": \"[redacted]\"");
  std::string edited = std::regex_replace(shown.output, std::regex(R"("maxInstances": 4)"), R"("maxInstances": 6)");
  const std::string edit = write("edit.json", edited);
  Run updated = ctl(*m, {"autoscale-configs", "update", "east", "--file", edit});
  ASSERT_OK(updated);
  EXPECT_HAS(updated, "autoscale config east updated (revision 2)");
  Run stale = ctl(*m, {"autoscale-configs", "update", "east", "--file", edit});
  EXPECT_NE(stale.code, 0);
  EXPECT_HAS(stale, "revision_conflict");

  // What uses the config's pool and provider config keeps them.
  Run pool_kept = ctl(*m, {"pools", "delete", "desktops"});
  EXPECT_NE(pool_kept.code, 0);
  EXPECT_HAS(pool_kept, "autoscale config east");
  Run provider_kept = ctl(*m, {"provider-configs", "delete", provider_id});
  EXPECT_NE(provider_kept.code, 0);
  EXPECT_HAS(provider_kept, "autoscale config east");

  ASSERT_TRUE(m->restart()) << m->process().log();
  Run again = ctl(*m, {"autoscale-configs", "show", id, "--json"});
  ASSERT_OK(again);
  EXPECT_HAS(again, "\"maxInstances\": 6");
  EXPECT_HAS(again, "\"timeZone\": \"Europe/Berlin\"");
  EXPECT_HAS(again, "\"revision\": \"2\"");

  ASSERT_OK(ctl(*m, {"autoscale-configs", "delete", "east"}));
  ASSERT_OK(ctl(*m, {"pools", "delete", "desktops"}));
  EXPECT_EQ(outputs_.find(kPassword), std::string::npos);
  EXPECT_EQ(m->process().log().find(kPassword), std::string::npos);
}

}  // namespace
}  // namespace corral::testing
