// The local provider's VMs are real agents: a startup-script template rendered with the
// manager's variables, run by the local plugin, starts a corral-agent that enrolls with the join
// token and comes online in the manager; deleting the VM stops that agent, and the manager sees
// it go.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "corral/sdk/template.h"
#include "corral/sdk/testing/plugin_harness.h"
#include "tests/integration/harness/fleet_test.h"

namespace corral::testing {
namespace {

namespace fs = std::filesystem;
namespace pv1 = ::corral::provider::v1;
using namespace std::chrono_literals;
using corral::sdk::testing::PluginHarness;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class LocalVmAgentTest : public FleetTest {};

TEST_F(LocalVmAgentTest, TemplateRenderedVmIsAnAgentThatJoinsAndLeavesWithTheVm) {
  auto m = start_manager();
  ASSERT_TRUE(m);
  const std::string token = m->create_join_token();
  ASSERT_FALSE(token.empty());

  // What an operator writes for the dev stack: the agent binary is a literal path, the rest are
  // the manager's template variables (manager/api/provider_configs.cpp).
  const std::string text =
      "#!/bin/bash\n"
      "# dev VM {server_hostname}, made by {provider_name}\n"
      "export CORRAL_JOIN_TOKEN='{join_token}'\n"
      "exec '" +
      agent_binary() + "' --data-dir \"$PWD/agent\" --hostname '{server_hostname}' --manager '{manager_url}'\n";
  std::vector<corral::sdk::TemplateError> errors;
  auto tmpl = corral::sdk::Template::parse(text, &errors);
  ASSERT_TRUE(errors.empty()) << errors.front().message;
  const std::string script = tmpl.render({{"server_hostname", "dev-vm-1"},
                                          {"provider_name", "dev"},
                                          {"join_token", token},
                                          {"manager_url", m->api_url()}});

  const std::string state = work_ + "/local-state";
  pv1::ProviderConfig config;
  config.set_name("dev");
  config.set_config_json(R"({"state_dir":")" + state + R"(","max_vms":2,"stop_grace_ms":2000})");
  PluginHarness local(CORRAL_LOCAL_PLUGIN);

  pv1::CreateVmRequest create;
  *create.mutable_config() = config;
  create.set_idempotency_key("dev-vm-1");
  create.set_hostname("dev-vm-1");
  (*create.mutable_tags())["corral-pool"] = "dev";
  create.set_startup_script(script);
  create.set_os_type(pv1::OS_TYPE_LINUX);
  auto created = local.invoke<pv1::CreateVmResponse>(CORRAL_METHOD_CREATE_VM, create);
  ASSERT_FALSE(created.has_error()) << created.error().message();
  const std::string vm_id = created.vm().id();
  const std::string console = state + "/vms/" + vm_id + "/console.log";

  // The agent logs to the VM's console; its welcome carries the id the manager gave it.
  static const std::regex kWelcome(R"(event=agent\.welcome.* agent_id=([0-9a-f-]{36}))");
  std::string agent_id;
  ASSERT_TRUE(eventually(
      [&] {
        std::smatch match;
        std::string log = read_file(console);
        if (!std::regex_search(log, match, kWelcome)) return false;
        agent_id = match[1];
        return true;
      },
      30s))
      << "the VM's agent never joined; console:\n"
      << read_file(console);
  ASSERT_TRUE(eventually([&] { return m->agent_status(agent_id) == "AGENT_STATUS_ONLINE"; }, 10s));
  auto shown = m->call("GET", "/api/v1/agents/" + agent_id);
  ASSERT_TRUE(shown.ok());
  EXPECT_EQ(json_string_field(shown->body, "hostname"), "dev-vm-1") << shown->body;
  EXPECT_EQ(read_file(console).find(token), std::string::npos) << "the join token reached the VM's console";

  pv1::DeleteVmRequest del;
  *del.mutable_config() = config;
  del.set_vm_id(vm_id);
  auto deleted = local.invoke<pv1::DeleteVmResponse>(CORRAL_METHOD_DELETE_VM, del);
  ASSERT_FALSE(deleted.has_error()) << deleted.error().message();
  EXPECT_EQ(deleted.state(), pv1::VM_STATE_GONE);
  EXPECT_FALSE(fs::exists(state + "/vms/" + vm_id));
  EXPECT_TRUE(eventually([&] { return m->agent_status(agent_id) == "AGENT_STATUS_OFFLINE"; }, 15s))
      << "the manager still sees the deleted VM's agent as " << m->agent_status(agent_id);
}

}  // namespace
}  // namespace corral::testing
