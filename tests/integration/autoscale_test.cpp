// The autoscaler end to end: a real manager with the local provider, whose VMs are real
// corral-agent processes that enroll with the join token in their startup script. Every wait is
// on something the manager reports (servers, events, agent status), never on time.
#include <ctime>

#include "common/files.h"

#include "tests/integration/autoscale_fixture.h"

namespace corral::testing {
namespace {

TEST_F(AutoscaleTest, ScalesOutFromZeroFollowsSessionsAndScalesBackIn) {
  auto m = start_autoscaling_manager();
  ASSERT_TRUE(m);
  const std::string provider = make_provider(*m, "dev", 5);
  auto [pool, workspace] = make_pool(*m);
  const std::string config = make_config(*m, {{"name", "dev"},
                                              {"poolId", pool},
                                              {"providerConfigId", provider},
                                              {"minimumAvailableSessions", 2},
                                              {"maxSimultaneousSessionsPerServer", 1},
                                              {"maxInstances", 3},
                                              {"downscaleBackoffSeconds", 0}});

  // From zero: two VMs, each a real agent that enrolls and reports.
  ASSERT_TRUE(eventually([&] { return ready_servers(*m, pool) == 2; }, 120s)) << m->process().log();
  EXPECT_EQ(servers(*m, pool).size(), 2u);
  for (const json& s : servers(*m, pool)) {
    EXPECT_EQ(s.value("origin", ""), "SERVER_ORIGIN_AUTOSCALED") << s.dump();
    EXPECT_FALSE(s.value("vmId", "").empty()) << s.dump();
  }
  EXPECT_EQ(vm_dirs("dev"), 2);
  ASSERT_FALSE(events(*m, "autoscale.scale_out").empty());
  EXPECT_NE(events(*m, "autoscale.scale_out").front().value("message", "").find("scale out by 2 VMs"),
            std::string::npos);
  EXPECT_TRUE(eventually([&] { return events(*m, "vm.checked_in").size() == 2; }, 60s));
  EXPECT_EQ(events(*m, "vm.created").size(), 2u);

  // A session takes one: one more VM keeps two free.
  json placed =
      call_json(*m, "POST", "/api/v1/sessions", json{{"workspace", workspace}, {"user", "alice"}}.dump(), 201);
  const std::string first = placed["session"].value("id", "");
  ASSERT_FALSE(first.empty());
  ASSERT_TRUE(eventually([&] { return ready_servers(*m, pool) == 3; }, 120s)) << m->process().log();

  // Another one: the minimum wants a fourth, max_instances says no.
  json second = call_json(*m, "POST", "/api/v1/sessions", json{{"workspace", workspace}, {"user", "bob"}}.dump(), 201);
  ASSERT_TRUE(eventually(
      [&] {
        for (const json& e : events(*m, "autoscale.held")) {
          if (e.value("message", "").find("max_instances") != std::string::npos) return true;
        }
        return false;
      },
      60s));
  EXPECT_EQ(servers(*m, pool).size(), 3u);
  EXPECT_EQ(vm_dirs("dev"), 3);

  // Both end: three free, two wanted: one VM goes (no backoff here), the others stay.
  call_json(*m, "DELETE", "/api/v1/sessions/" + first, "", 200);
  call_json(*m, "DELETE", "/api/v1/sessions/" + second["session"].value("id", ""), "", 200);
  ASSERT_TRUE(eventually([&] { return servers(*m, pool).size() == 2u && events(*m, "vm.deleted").size() == 1u; }, 120s))
      << m->process().log();
  EXPECT_TRUE(eventually([&] { return vm_dirs("dev") == 2; }, 60s));
  EXPECT_FALSE(events(*m, "autoscale.scale_in").empty());
  // It stays there: the minimum holds.
  EXPECT_EQ(ready_servers(*m, pool), 2);
  // The deleted server's timeline, from its request to its deletion, is still there.
  const std::string gone = events(*m, "vm.deleted").front().value("serverId", "");
  const std::string timeline = corralctl(*m, {"servers", "show", gone});
  for (const char* kind : {"server.created", "vm.requested", "vm.created", "vm.checked_in", "server.draining",
                           "vm.delete_requested", "server.deleted", "vm.deleted"}) {
    EXPECT_NE(timeline.find(kind), std::string::npos) << kind << " missing from\n" << timeline;
  }
  EXPECT_NE(timeline.find("no longer exists"), std::string::npos) << timeline;
  EXPECT_LT(timeline.find("vm.requested"), timeline.find("vm.deleted")) << timeline;

  // Its VMs are its own to delete: the config goes only once they have.
  json refused = call_json(*m, "DELETE", "/api/v1/autoscale-configs/" + config, "", 409);
  EXPECT_NE(refused.dump().find("still has 2 servers"), std::string::npos) << refused.dump();
}

TEST_F(AutoscaleTest, DryRunDecidesAndRecordsButCallsNoProvider) {
  auto m = start_autoscaling_manager();
  ASSERT_TRUE(m);
  const std::string provider = make_provider(*m, "dev", 5);
  auto [pool, workspace] = make_pool(*m);
  json body = {{"name", "dry"},
               {"poolId", pool},
               {"providerConfigId", provider},
               {"minimumAvailableSessions", 3},
               {"maxSimultaneousSessionsPerServer", 2},
               {"maxInstances", 5},
               {"dryRun", true}};
  const std::string id = make_config(*m, body);
  const std::string decided = "dry run: would scale out by 2 VMs: 0 sessions available, minimum 3";
  ASSERT_TRUE(eventually([&] { return !events(*m, "autoscale.scale_out").empty(); }, 60s)) << m->process().log();
  EXPECT_EQ(events(*m, "autoscale.scale_out").front().value("message", ""), decided);
  // A change makes a new decision: passes went on meanwhile, and none of them acted.
  body["minimumAvailableSessions"] = 5;
  call_json(*m, "PUT", "/api/v1/autoscale-configs/" + id, body.dump(), 200);
  ASSERT_TRUE(eventually([&] { return events(*m, "autoscale.scale_out").size() == 2u; }, 60s)) << m->process().log();
  EXPECT_EQ(events(*m, "autoscale.scale_out").back().value("message", ""),
            "dry run: would scale out by 3 VMs: 0 sessions available, minimum 5");
  EXPECT_TRUE(servers(*m, pool).empty());
  EXPECT_TRUE(events(*m, "vm.requested").empty());
  EXPECT_EQ(vm_dirs("dev"), 0);
}

TEST_F(AutoscaleTest, OutOfCapacityMovesTheDeficitToTheNextConfig) {
  auto m = start_autoscaling_manager();
  ASSERT_TRUE(m);
  // The first provider has room for one VM only; the second for plenty.
  const std::string small = make_provider(*m, "small", 1);
  const std::string big = make_provider(*m, "big", 5);
  auto [pool, workspace] = make_pool(*m);
  const json common = {
      {"poolId", pool}, {"minimumAvailableSessions", 2}, {"maxSimultaneousSessionsPerServer", 1}, {"maxInstances", 4}};
  json first = common;
  first.update({{"name", "first"}, {"providerConfigId", small}, {"priority", 0}});
  json second = common;
  second.update({{"name", "second"}, {"providerConfigId", big}, {"priority", 1}});
  const std::string first_id = make_config(*m, first);
  const std::string second_id = make_config(*m, second);

  ASSERT_TRUE(eventually([&] { return ready_servers(*m, pool) == 2; }, 120s)) << m->process().log();
  EXPECT_EQ(vm_dirs("small"), 1);
  EXPECT_EQ(vm_dirs("big"), 1);
  ASSERT_FALSE(events(*m, "autoscale.failover").empty());
  EXPECT_NE(
      events(*m, "autoscale.failover").front().value("message", "").find("now keeps the minimum instead of first"),
      std::string::npos);
  bool capacity_failure = false;
  for (const json& e : events(*m, "vm.create_failed")) {
    capacity_failure |= e.value("autoscaleConfigId", "") == first_id &&
                        e.value("message", "").find("out of capacity") != std::string::npos;
  }
  EXPECT_TRUE(capacity_failure);
  int by_second = 0;
  for (const json& s : servers(*m, pool)) by_second += s.value("autoscaleConfigId", "") == second_id ? 1 : 0;
  EXPECT_EQ(by_second, 1);
}

TEST_F(AutoscaleTest, OrphanWithTheManagersTagsIsDeletedAndAnUntaggedVmIsLeftAlone) {
  auto m = start_autoscaling_manager("  orphan_sweep_seconds: 1\n  orphan_grace_seconds: 1\n");
  ASSERT_TRUE(m);
  const std::string provider = make_provider(*m, "dev", 5);
  auto [pool, workspace] = make_pool(*m);
  // A config that wants nothing: the sweep lists its provider.
  make_config(*m, {{"name", "idle"}, {"poolId", pool}, {"providerConfigId", provider}, {"maxInstances", 2}});
  std::string manager_id;
  ASSERT_TRUE(eventually([&] { return fs::exists(m->data_dir() + "/manager.id"); }, 10s));
  {
    std::ifstream in(m->data_dir() + "/manager.id");
    in >> manager_id;
  }
  ASSERT_FALSE(manager_id.empty());

  // Two VMs made behind the manager's back: one carries its tags, the other none.
  sdk::testing::PluginHarness local(CORRAL_LOCAL_PLUGIN);
  pv1::ProviderConfig config;
  config.set_name("dev");
  config.set_config_json(json{{"state_dir", state_dir("dev")}, {"max_vms", 5}, {"stop_grace_ms", 2000}}.dump());
  auto make_vm = [&](const std::string& key, std::map<std::string, std::string> tags) {
    pv1::CreateVmRequest create;
    *create.mutable_config() = config;
    create.set_idempotency_key(key);
    create.set_hostname(key);
    create.mutable_tags()->insert(tags.begin(), tags.end());
    create.set_startup_script("#!/bin/bash\nexec sleep 3600\n");
    auto created = local.invoke<pv1::CreateVmResponse>(CORRAL_METHOD_CREATE_VM, create);
    EXPECT_FALSE(created.has_error()) << created.error().message();
    return created.vm().id();
  };
  const std::string tagged = make_vm("orphan", {{"corral-manager", manager_id}, {"corral-server", "no-such-server"}});
  const std::string untagged = make_vm("stranger", {{"owner", "someone-else"}});

  ASSERT_TRUE(eventually([&] { return !events(*m, "vm.orphan_removed").empty(); }, 60s)) << m->process().log();
  EXPECT_EQ(events(*m, "vm.orphan_removed").front().value("vmId", ""), tagged);
  EXPECT_EQ(events(*m, "vm.orphan_found").size(), 1u);
  pv1::GetVmRequest get;
  *get.mutable_config() = config;
  get.set_vm_id(untagged);
  EXPECT_NE(local.invoke<pv1::GetVmResponse>(CORRAL_METHOD_GET_VM, get).vm().state(), pv1::VM_STATE_GONE);
  get.set_vm_id(tagged);
  EXPECT_TRUE(eventually(
      [&] { return local.invoke<pv1::GetVmResponse>(CORRAL_METHOD_GET_VM, get).vm().state() == pv1::VM_STATE_GONE; },
      60s));
  // Clean up the stranger: it is the test's own.
  pv1::DeleteVmRequest del;
  *del.mutable_config() = config;
  del.set_vm_id(untagged);
  local.invoke<pv1::DeleteVmResponse>(CORRAL_METHOD_DELETE_VM, del);
}

TEST_F(AutoscaleTest, ANonReusableServerIsDeletedOnceItsSessionEnds) {
  auto m = start_autoscaling_manager();
  ASSERT_TRUE(m);
  const std::string provider = make_provider(*m, "dev", 5);
  auto [pool, workspace] = make_pool(*m);
  make_config(*m, {{"name", "once"},
                   {"poolId", pool},
                   {"providerConfigId", provider},
                   {"minimumAvailableSessions", 1},
                   {"maxSimultaneousSessionsPerServer", 1},
                   {"maxInstances", 3},
                   {"reusable", false}});
  ASSERT_TRUE(eventually([&] { return ready_servers(*m, pool) == 1; }, 120s)) << m->process().log();
  json placed =
      call_json(*m, "POST", "/api/v1/sessions", json{{"workspace", workspace}, {"user", "alice"}}.dump(), 201);
  const std::string used = placed["session"].value("serverId", "");
  ASSERT_TRUE(eventually([&] { return ready_servers(*m, pool) == 2; }, 120s)) << m->process().log();

  call_json(*m, "DELETE", "/api/v1/sessions/" + placed["session"].value("id", ""), "", 200);
  // The used server goes at once (no downscale backoff for it); the fresh one stays for the minimum.
  ASSERT_TRUE(eventually(
      [&] {
        for (const json& e : events(*m, "vm.deleted")) {
          if (e.value("serverId", "") == used) return servers(*m, pool).size() == 1u;
        }
        return false;
      },
      120s))
      << m->process().log();
  EXPECT_NE(servers(*m, pool).front().value("id", ""), used);
  bool reason = false;
  for (const json& e : events(*m, "autoscale.scale_in")) {
    reason |= e.value("message", "").find("used_not_reusable") != std::string::npos;
  }
  EXPECT_TRUE(reason);
}

TEST_F(AutoscaleTest, AScheduleWindowClosingEmptiesThePoolAndOpeningRefillsIt) {
  auto m = start_autoscaling_manager();
  ASSERT_TRUE(m);
  const std::string provider = make_provider(*m, "dev", 5);
  auto [pool, workspace] = make_pool(*m);
  // A window of every day, all day long, in UTC: open now.
  json body = {{"name", "office"},
               {"poolId", pool},
               {"providerConfigId", provider},
               {"minimumAvailableSessions", 2},
               {"maxSimultaneousSessionsPerServer", 2},
               {"maxInstances", 2},
               {"schedules", json::array({{{"startTime", "00:00"}, {"endTime", "24:00"}, {"timeZone", "UTC"}}})}};
  const std::string id = make_config(*m, body);
  ASSERT_TRUE(eventually([&] { return ready_servers(*m, pool) == 1; }, 120s)) << m->process().log();

  // No day at all is not a window; a window on a day that is not today is closed now.
  const char* days[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  // Two days ahead: whatever the clock does during the test, still not today.
  body["schedules"][0]["days"] = json::array({days[(utc.tm_wday + 2) % 7]});
  call_json(*m, "PUT", "/api/v1/autoscale-configs/" + id, body.dump(), 200);
  ASSERT_TRUE(eventually([&] { return servers(*m, pool).empty() && vm_dirs("dev") == 0; }, 120s)) << m->process().log();
  EXPECT_FALSE(events(*m, "autoscale.schedule_closed").empty());

  body["schedules"][0].erase("days");
  call_json(*m, "PUT", "/api/v1/autoscale-configs/" + id, body.dump(), 200);
  ASSERT_TRUE(eventually([&] { return ready_servers(*m, pool) == 1; }, 120s)) << m->process().log();
}

TEST_F(AutoscaleTest, AVmThatNeverChecksInIsDeletedAtItsProvisionTimeoutAndRetriedAfterABackoff) {
  auto m = start_autoscaling_manager();
  ASSERT_TRUE(m);
  // VMs that boot and never start an agent.
  json body = {{"name", "silent"},
               {"plugin", "local"},
               {"config", {{"state_dir", state_dir("silent")}, {"max_vms", 5}, {"stop_grace_ms", 2000}}},
               {"startupScriptTemplate", "#!/bin/bash\n# {server_hostname} never calls home\nexec sleep 3600\n"},
               {"maxInstances", 5}};
  providers_.push_back("silent");
  const std::string provider = call_json(*m, "POST", "/api/v1/provider-configs", body.dump(), 201).value("id", "");
  auto [pool, workspace] = make_pool(*m);
  make_config(*m, {{"name", "silent"},
                   {"poolId", pool},
                   {"providerConfigId", provider},
                   {"minimumAvailableSessions", 1},
                   {"maxSimultaneousSessionsPerServer", 1},
                   {"maxInstances", 2},
                   {"provisionTimeoutSeconds", 30}});
  // The shortest timeout there is: 30 s of a VM that stays silent, then it goes and another comes.
  ASSERT_TRUE(eventually([&] { return !events(*m, "vm.timed_out").empty(); }, 120s)) << m->process().log();
  ASSERT_TRUE(eventually([&] { return events(*m, "vm.deleted").size() == 1u; }, 60s)) << m->process().log();
  EXPECT_FALSE(events(*m, "autoscale.backoff_entered").empty());
  ASSERT_TRUE(eventually([&] { return events(*m, "vm.requested").size() == 2u; }, 60s)) << m->process().log();
  EXPECT_EQ(vm_dirs("silent"), 1);
}

TEST_F(AutoscaleTest, ADockerAgentPoolKeepsItsStandbyCoresAndMemoryFree) {
  auto m = start_autoscaling_manager();
  ASSERT_TRUE(m);
  const std::string provider = make_provider(*m, "dock", 5, "# provider {provider_name} zone {zone}\n");
  const std::string pool =
      call_json(*m, "POST", "/api/v1/pools", R"({"name":"containers","type":"POOL_TYPE_DOCKER_AGENT"})", 201)
          .value("id", "");
  const std::string workspace =
      call_json(*m, "POST", "/api/v1/workspaces",
                json{{"name", "shell"},
                     {"poolId", pool},
                     {"sessionResources", {{"coresMilli", 1500}, {"memoryBytes", int64_t{1} << 30}}}}
                    .dump(),
                201)
          .value("id", "");
  // Keep 2 cores and 2 GiB free; each agent VM brings 2 cores and 4 GiB.
  make_config(*m, {{"name", "dock"},
                   {"poolId", pool},
                   {"providerConfigId", provider},
                   {"deploymentZone", "lab-1"},
                   {"standbyCores", 2},
                   {"standbyMemoryMb", 2048},
                   {"agentResourceOverrides", {{"coresMilli", 2000}, {"memoryBytes", int64_t{4} << 30}}},
                   {"maxInstances", 3},
                   {"downscaleBackoffSeconds", 0}});

  // From zero: one agent covers the standby. It counts at the config's size, and its script was
  // rendered with the docker variables.
  ASSERT_TRUE(eventually([&] { return ready_servers(*m, pool) == 1; }, 120s)) << m->process().log();
  // The broker has seen it connect: it takes sessions.
  ASSERT_TRUE(eventually([&] { return events(*m, "vm.checked_in").size() == 1u; }, 60s)) << m->process().log();
  const std::vector<json> first = servers(*m, pool);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0]["resourceOverrides"].value("coresMilli", 0), 2000) << first[0].dump();
  EXPECT_NE(events(*m, "autoscale.scale_out")
                .front()
                .value("message", "")
                .find("scale out by 1 VM: 0 cores, 0 MiB, 0 GPUs free, standby 2 cores, 2048 MiB, 0 GPUs"),
            std::string::npos)
      << events(*m, "autoscale.scale_out").front().dump();
  const std::vector<pv1::Vm> vms = local_vms("dock");
  ASSERT_EQ(vms.size(), 1u);
  auto script = read_file(state_dir("dock") + "/vms/" + vms[0].id() + "/startup.sh");
  ASSERT_TRUE(script.ok()) << script.status().message();
  EXPECT_NE(script->find("# provider dock zone lab-1"), std::string::npos) << *script;

  // A session takes 1.5 cores: 0.5 left, below the standby, so a second agent comes.
  json placed =
      call_json(*m, "POST", "/api/v1/sessions", json{{"workspace", workspace}, {"user", "alice"}}.dump(), 201);
  const std::string session = placed["session"].value("id", "");
  ASSERT_FALSE(session.empty()) << placed.dump();
  ASSERT_TRUE(eventually([&] { return ready_servers(*m, pool) == 2; }, 120s)) << m->process().log();
  EXPECT_EQ(servers(*m, pool).size(), 2u);

  // It ends: 4 cores free, 2 wanted: the empty newer agent goes, the first one stays.
  call_json(*m, "DELETE", "/api/v1/sessions/" + session, "", 200);
  ASSERT_TRUE(eventually([&] { return servers(*m, pool).size() == 1u && events(*m, "vm.deleted").size() == 1u; }, 120s))
      << m->process().log();
  EXPECT_FALSE(events(*m, "autoscale.scale_in").empty());
  EXPECT_TRUE(eventually([&] { return local_vms("dock").size() == 1u; }, 60s));
}

TEST_F(AutoscaleTest, AServerWhoseAgentStaysAwayIsReplacedThenDeletedAsDead) {
  auto m = start_autoscaling_manager(
      "  host_missing_expiration_seconds: 1\n"
      "  host_dead_expiration_seconds: 2\n");
  ASSERT_TRUE(m);
  const std::string provider = make_provider(*m, "dev", 5);
  auto [pool, workspace] = make_pool(*m);
  make_config(*m, {{"name", "dev"},
                   {"poolId", pool},
                   {"providerConfigId", provider},
                   {"minimumAvailableSessions", 1},
                   {"maxInstances", 2}});
  ASSERT_TRUE(eventually([&] { return events(*m, "vm.checked_in").size() == 1u; }, 120s)) << m->process().log();
  const std::vector<json> before = servers(*m, pool);
  ASSERT_EQ(before.size(), 1u);
  const std::string lost = before[0].value("id", "");
  const std::string hostname = before[0].value("hostname", "");

  // Its agent dies and does not come back (the VM stays at the provider).
  // "agen[t]" matches the agent's command line but not the shell's that runs pkill.
  const std::string kill =
      "pkill -KILL -f -- '" + state_dir("dev") + "/vms/" + before[0].value("vmId", "") + "/agen[t]'";
  ASSERT_EQ(std::system(kill.c_str()), 0);

  // Away, it counts for nothing: a replacement comes at once. Silent past the dead expiration,
  // the lost server is deleted with its VM.
  ASSERT_TRUE(eventually(
      [&] {
        for (const json& e : events(*m, "vm.deleted")) {
          if (e.value("serverId", "") == lost) return true;
        }
        return false;
      },
      120s))
      << m->process().log();
  bool dead = false;
  for (const json& e : events(*m, "autoscale.scale_in")) {
    dead = dead || e.value("message", "").find("delete " + hostname + " (dead_agent)") != std::string::npos;
  }
  EXPECT_TRUE(dead) << "no dead_agent decision for " << hostname;
  ASSERT_TRUE(eventually([&] { return ready_servers(*m, pool) == 1; }, 120s)) << m->process().log();
  const std::vector<json> after = servers(*m, pool);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_NE(after[0].value("id", ""), lost);
  EXPECT_TRUE(eventually([&] { return local_vms("dev").size() == 1u; }, 60s));
}

}  // namespace
}  // namespace corral::testing
