// The autoscaler end to end, shared by its tests: a real manager with the local provider loaded
// in-process, whose VMs are real corral-agent processes that enroll with the join token in their
// startup script; helpers that read the pool, the events and the provider's VMs. Every wait is on
// something the manager reports, never on time.
#pragma once

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "corral/sdk/testing/plugin_harness.h"
#include "tests/integration/harness/fleet_test.h"

namespace corral::testing {

namespace fs = std::filesystem;
namespace pv1 = ::corral::provider::v1;
using json = nlohmann::json;
using namespace std::chrono_literals;

class AutoscaleTest : public FleetTest {
 protected:
  // The local provider's VMs are processes that outlive the manager: every one a test's provider
  // configs still hold is deleted (the manager has stopped by now, so none comes back).
  void TearDown() override {
    sdk::testing::PluginHarness local(CORRAL_LOCAL_PLUGIN);
    for (const std::string& name : providers_) {
      pv1::ListVmsRequest list;
      list.mutable_config()->set_name(name);
      list.mutable_config()->set_config_json(
          json{{"state_dir", state_dir(name)}, {"max_vms", 100}, {"stop_grace_ms", 2000}}.dump());
      const auto listed = local.invoke<pv1::ListVmsResponse>(CORRAL_METHOD_LIST_VMS, list);
      for (const pv1::Vm& vm : listed.vms()) {
        pv1::DeleteVmRequest del;
        *del.mutable_config() = list.config();
        del.set_vm_id(vm.id());
        local.invoke<pv1::DeleteVmResponse>(CORRAL_METHOD_DELETE_VM, del);
      }
    }
    // A VM whose create a stopped manager interrupted may run without a record: none outlives
    // the test (each runs from its VM directory under the work directory).
    const std::string stray = "pkill -KILL -f -- '" + work_ + "/vms-'";
    (void)std::system(stray.c_str());
    FleetTest::TearDown();
  }

  // A manager with the local plugin loaded in-process and a quick loop: a tick of 200 ms, create
  // failures backing off for a second.
  std::unique_ptr<ManagerUnderTest> start_autoscaling_manager(const std::string& extra = "",
                                                              std::map<std::string, std::string> env = {}) {
    const std::string dir = work_ + "/plugins";
    fs::create_directories(dir);
    ::chmod(dir.c_str(), 0755);
    const fs::path to = fs::path(dir) / fs::path(CORRAL_LOCAL_PLUGIN).filename();
    fs::copy_file(CORRAL_LOCAL_PLUGIN, to, fs::copy_options::overwrite_existing);
    ::chmod(to.c_str(), 0755);
    return start_manager_with_env(env,
                                  "plugins:\n"
                                  "  dir: " +
                                      dir +
                                      "\n"
                                      "  load:\n"
                                      "    - file: corral-provider-local.so\n"
                                      "      isolation: in_process\n"
                                      "autoscaler:\n"
                                      "  tick_ms: 200\n"
                                      "  failure_backoff_seconds: 1\n"
                                      "  failure_backoff_max_seconds: 2\n" +
                                      extra);
  }

  std::unique_ptr<ManagerUnderTest> start_manager_with_env(std::map<std::string, std::string> env,
                                                           const std::string& yaml) {
    fs::create_directories(work_ + "/m");
    auto m = std::make_unique<ManagerUnderTest>(work_ + "/m", yaml);
    m->set_env(std::move(env));
    m->keep_api_port();  // the VMs' agents were given its URL
    EXPECT_TRUE(m->start()) << "manager did not start:\n" << m->process().log();
    return m;
  }

  // The VMs the local provider holds for the provider config NAME.
  std::vector<pv1::Vm> local_vms(const std::string& name) const {
    sdk::testing::PluginHarness local(CORRAL_LOCAL_PLUGIN);
    pv1::ListVmsRequest list;
    list.mutable_config()->set_name(name);
    list.mutable_config()->set_config_json(
        json{{"state_dir", state_dir(name)}, {"max_vms", 100}, {"stop_grace_ms", 2000}}.dump());
    const auto listed = local.invoke<pv1::ListVmsResponse>(CORRAL_METHOD_LIST_VMS, list);
    return {listed.vms().begin(), listed.vms().end()};
  }

  // corralctl's output (stdout and stderr) against the manager, or "" when it failed.
  std::string corralctl(const ManagerUnderTest& m, const std::vector<std::string>& args) {
    const std::string log = work_ + "/ctl-" + std::to_string(++ctl_runs_) + ".out";
    std::map<std::string, std::string> env = {{"CORRAL_SERVER", m.api_url()},
                                              {"CORRAL_CA_CERT", m.data_dir() + "/ca.crt"},
                                              {"CORRAL_TOKEN_FILE", m.data_dir() + "/admin.token"},
                                              {"HOME", work_}};
    Process p = Process::start(corralctl_binary(), args, log, env, {"", work_});
    const int code = p.wait_exit(60s).value_or(-1);
    EXPECT_EQ(code, 0) << p.log();
    return code == 0 ? p.log() : "";
  }

  static json call_json(const ManagerUnderTest& m, const std::string& method, const std::string& path,
                        const std::string& body, int want) {
    auto r = m.call(method, path, body);
    EXPECT_TRUE(r.ok()) << path << ": " << r.status().message();
    if (!r.ok()) return json();
    EXPECT_EQ(r->status, want) << method << " " << path << ": " << r->body;
    return json::parse(r->body, nullptr, false);
  }

  // A local provider config whose VMs start a real agent with their join token.
  std::string make_provider(const ManagerUnderTest& m, const std::string& name, int max_vms,
                            const std::string& extra_lines = "") {
    providers_.push_back(name);
    const std::string script = "#!/bin/bash\n" + extra_lines +
                               "export CORRAL_JOIN_TOKEN='{join_token}'\n"
                               "exec '" +
                               agent_binary() +
                               "' --data-dir \"$PWD/agent\" --hostname '{server_hostname}' --manager '{manager_url}'\n";
    json body = {{"name", name},
                 {"plugin", "local"},
                 {"config", {{"state_dir", state_dir(name)}, {"max_vms", max_vms}, {"stop_grace_ms", 2000}}},
                 {"startupScriptTemplate", script},
                 {"maxInstances", 10}};
    return call_json(m, "POST", "/api/v1/provider-configs", body.dump(), 201).value("id", "");
  }

  std::string state_dir(const std::string& provider) const { return work_ + "/vms-" + provider; }
  std::vector<std::string> providers_;
  int ctl_runs_ = 0;

  // A server pool and its workspace; returns {pool id, workspace id}.
  std::pair<std::string, std::string> make_pool(const ManagerUnderTest& m) {
    std::string pool =
        call_json(m, "POST", "/api/v1/pools", R"({"name":"demo","type":"POOL_TYPE_SERVER"})", 201).value("id", "");
    std::string workspace =
        call_json(m, "POST", "/api/v1/workspaces", json{{"name", "desk"}, {"poolId", pool}}.dump(), 201)
            .value("id", "");
    return {pool, workspace};
  }

  std::string make_config(const ManagerUnderTest& m, json body) {
    return call_json(m, "POST", "/api/v1/autoscale-configs", body.dump(), 201).value("id", "");
  }

  static std::vector<json> servers(const ManagerUnderTest& m, const std::string& pool) {
    json page = call_json(m, "GET", "/api/v1/servers?pageSize=1000&poolId=" + pool, "", 200);
    std::vector<json> out;
    for (const json& s : page.value("servers", json::array())) out.push_back(s);
    return out;
  }

  // Servers of the pool whose agent is online.
  static int ready_servers(const ManagerUnderTest& m, const std::string& pool) {
    int n = 0;
    for (const json& s : servers(m, pool)) {
      const std::string agent = s.value("agentId", "");
      if (!agent.empty() && !s.value("draining", false) && m.agent_status(agent) == "AGENT_STATUS_ONLINE") ++n;
    }
    return n;
  }

  static std::vector<json> events(const ManagerUnderTest& m, const std::string& kind) {
    json page = call_json(m, "GET", "/api/v1/events?pageSize=1000", "", 200);
    std::vector<json> out;
    for (const json& e : page.value("events", json::array())) {
      if (e.value("kind", "") == kind) out.push_back(e);
    }
    return out;
  }

  // VMs the local provider holds in its state directory.
  int vm_dirs(const std::string& provider) const {
    const fs::path vms = fs::path(state_dir(provider)) / "vms";
    if (!fs::exists(vms)) return 0;
    int n = 0;
    for (const auto& entry : fs::directory_iterator(vms)) n += entry.is_directory() ? 1 : 0;
    return n;
  }
};

}  // namespace corral::testing
