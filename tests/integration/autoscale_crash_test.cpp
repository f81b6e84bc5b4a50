// The intent log under SIGKILL: the manager is stopped dead at each step of a scale-out and of a
// scale-in (a failpoint blocks it there: common/failpoint.h), started again, and the pool must
// settle with every VM owned by exactly one server row and every row owning a VM that exists:
// no VM without a row, no row without a VM, no VM created twice, no session lost.
#include "tests/integration/autoscale_fixture.h"

namespace corral::testing {
namespace {

class AutoscaleCrashTest : public AutoscaleTest, public ::testing::WithParamInterface<const char*> {
 protected:
  // The manager's servers and the provider's VMs match one to one, each server has its VM id and
  // each VM carries its server's id; `servers` of them.
  bool settled(const ManagerUnderTest& m, const std::string& pool, size_t want, std::string* why) {
    const std::vector<json> rows = servers(m, pool);
    const std::vector<pv1::Vm> vms = local_vms("dev");
    std::map<std::string, std::string> vm_of_server;  // server id -> VM id, from the rows
    for (const json& s : rows) vm_of_server[s.value("id", "")] = s.value("vmId", "");
    std::set<std::string> claimed;
    for (const pv1::Vm& vm : vms) {
      auto tag = vm.tags().find("corral-server");
      const std::string server = tag == vm.tags().end() ? "" : tag->second;
      auto row = vm_of_server.find(server);
      if (row == vm_of_server.end() || row->second != vm.id()) {
        *why = "VM " + vm.id() + " (server tag '" + server + "') has no row that owns it";
        return false;
      }
      if (!claimed.insert(server).second) {
        *why = "server " + server + " has two VMs";
        return false;
      }
    }
    if (claimed.size() != rows.size()) {
      *why = std::to_string(rows.size() - claimed.size()) + " row(s) without a VM";
      return false;
    }
    if (rows.size() != want) {
      *why = std::to_string(rows.size()) + " servers, want " + std::to_string(want);
      return false;
    }
    return true;
  }

  // Stopped dead at the failpoint, then started without it.
  void crash_and_restart(ManagerUnderTest& m, const std::string& point) {
    ASSERT_TRUE(m.process().wait_for_log("event=failpoint.hit name=" + point, 60s)) << m.process().log();
    m.process().kill_now();
    m.set_env({});
    ASSERT_TRUE(m.start()) << m.process().log();
  }

  static constexpr const char* kSweep = "  orphan_sweep_seconds: 1\n  orphan_grace_seconds: 1\n";
};

class ScaleOutCrash : public AutoscaleCrashTest {};

// "autoscaler.create.before_call" -> "autoscaler_create_before_call".
std::string step_name(const ::testing::TestParamInfo<const char*>& step) {
  std::string name = step.param;
  for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}
class ScaleInCrash : public AutoscaleCrashTest {};

TEST_P(ScaleOutCrash, SettlesWithOneVmPerServer) {
  const std::string point = GetParam();
  auto m = start_autoscaling_manager(kSweep, {{"CORRAL_FAILPOINTS", point}});
  ASSERT_TRUE(m);
  const std::string provider = make_provider(*m, "dev", 5);
  auto [pool, workspace] = make_pool(*m);
  make_config(*m, {{"name", "dev"},
                   {"poolId", pool},
                   {"providerConfigId", provider},
                   {"minimumAvailableSessions", 2},
                   {"maxSimultaneousSessionsPerServer", 1},
                   {"maxInstances", 3}});
  crash_and_restart(*m, point);

  std::string why;
  ASSERT_TRUE(eventually([&] { return settled(*m, pool, 2, &why) && ready_servers(*m, pool) == 2; }, 120s))
      << why << "\n"
      << m->process().log();
  // Settled by resolving the intents, not by deleting extra VMs afterwards: none was made twice.
  EXPECT_TRUE(events(*m, "vm.orphan_found").empty());
}

INSTANTIATE_TEST_SUITE_P(EachStep, ScaleOutCrash,
                         ::testing::Values("autoscaler.create.before_call", "provider.CreateVm.answered",
                                           "autoscaler.create.before_record", "autoscaler.create.after_record"),
                         step_name);

TEST_P(ScaleInCrash, SettlesWithTheBusyServerAndItsSessionKept) {
  const std::string point = GetParam();
  auto m = start_autoscaling_manager(kSweep);
  ASSERT_TRUE(m);
  const std::string provider = make_provider(*m, "dev", 5);
  auto [pool, workspace] = make_pool(*m);
  json config = {{"name", "dev"},
                 {"poolId", pool},
                 {"providerConfigId", provider},
                 {"minimumAvailableSessions", 2},
                 {"maxSimultaneousSessionsPerServer", 1},
                 {"maxInstances", 3},
                 {"downscaleBackoffSeconds", 0}};
  const std::string config_id = make_config(*m, config);
  ASSERT_TRUE(eventually([&] { return ready_servers(*m, pool) == 2; }, 120s)) << m->process().log();
  json placed =
      call_json(*m, "POST", "/api/v1/sessions", json{{"workspace", workspace}, {"user", "alice"}}.dump(), 201);
  const std::string session = placed["session"].value("id", "");
  const std::string busy = placed["session"].value("serverId", "");
  ASSERT_TRUE(eventually([&] { return ready_servers(*m, pool) == 3; }, 120s)) << m->process().log();

  // Armed, then asked to keep nothing free: the two empty servers go, the busy one stays.
  m->process().stop();
  m->set_env({{"CORRAL_FAILPOINTS", point}});
  ASSERT_TRUE(m->start()) << m->process().log();
  config["minimumAvailableSessions"] = 0;
  call_json(*m, "PUT", "/api/v1/autoscale-configs/" + config_id, config.dump(), 200);
  crash_and_restart(*m, point);

  std::string why;
  ASSERT_TRUE(eventually([&] { return settled(*m, pool, 1, &why); }, 120s)) << why << "\n" << m->process().log();
  EXPECT_EQ(servers(*m, pool).front().value("id", ""), busy);
  json kept = call_json(*m, "GET", "/api/v1/sessions/" + session, "", 200);
  EXPECT_EQ(kept.value("state", ""), "SESSION_STATE_ACTIVE") << kept.dump();
  EXPECT_TRUE(events(*m, "vm.orphan_found").empty());
}

INSTANTIATE_TEST_SUITE_P(EachStep, ScaleInCrash,
                         ::testing::Values("autoscaler.delete.before_call", "provider.DeleteVm.answered",
                                           "autoscaler.delete.before_record", "autoscaler.delete.after_record"),
                         step_name);

}  // namespace
}  // namespace corral::testing
