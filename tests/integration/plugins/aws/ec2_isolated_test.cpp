// The AWS plugin isolated in corral-plugin-host, as the manager runs it by default: its own
// process, the Landlock sandbox, a fixed environment, and the host HTTP service built in that
// process from the manager's PluginHttpConfig. Against the loopback EC2 endpoint: the lifecycle,
// one instance per idempotency key, and error classes crossing the process boundary intact.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "manager/providers/isolated_client.h"
#include "tests/integration/plugins/aws/ec2_endpoint.h"
#include "tests/unit/manager/providers/plugin_dir.h"

namespace corral::aws::itest {
namespace {

namespace pv1 = ::corral::provider::v1;
using manager::providers::IsolatedClient;
using nlohmann::json;

class AwsEc2Isolated : public ::testing::Test {
 protected:
  void SetUp() override {
    plugins_.install(CORRAL_AWS_PLUGIN, "corral-provider-aws.so");
    IsolatedClient::Options o;
    o.host_binary = PLUGIN_HOST_BIN;
    o.load.plugin_dir = plugins_.dir();
    o.load.file = "corral-provider-aws.so";
    auto client = IsolatedClient::start(o);
    ASSERT_TRUE(client.ok()) << client.status().message();
    plugin_ = std::move(client).value();
    config_.set_name("aws-isolated");
    config_.set_revision(1);
    config_.set_config_json(ec2_.config_json());
  }
  void TearDown() override { ec2_.expect_clean(); }

  template <typename Response, typename Request>
  Response invoke(corral_method method, const Request& r) {
    auto answer = manager::providers::call<Response>(*plugin_, method, r);
    if (!answer.ok()) throw std::runtime_error(answer.status().message());
    return *answer;
  }
  pv1::CreateVmResponse create(const std::string& key) {
    pv1::CreateVmRequest r;
    *r.mutable_config() = config_;
    r.set_idempotency_key(key);
    r.set_hostname("iso-" + key);
    (*r.mutable_tags())["corral-pool"] = "isolated";
    r.set_startup_script("#!/bin/bash\necho isolated\n");
    r.set_os_type(pv1::OS_TYPE_LINUX);
    return invoke<pv1::CreateVmResponse>(CORRAL_METHOD_CREATE_VM, r);
  }
  pv1::Vm get(const std::string& id) {
    pv1::GetVmRequest r;
    *r.mutable_config() = config_;
    r.set_vm_id(id);
    return invoke<pv1::GetVmResponse>(CORRAL_METHOD_GET_VM, r).vm();
  }

  manager::providers::test_support::PluginDir plugins_{"aws-isolated"};
  Ec2Endpoint ec2_;
  std::shared_ptr<IsolatedClient> plugin_;
  pv1::ProviderConfig config_;
};

TEST_F(AwsEc2Isolated, LifecycleThroughThePluginHost) {
  auto created = create("iso-1");
  ASSERT_FALSE(created.has_error()) << created.error().message();
  const std::string id = created.vm().id();
  EXPECT_EQ(create("iso-1").vm().id(), id) << "one idempotency key, one instance";
  EXPECT_EQ(ec2_.stats()["instances"].size(), 1u);

  pv1::Vm vm = get(id);
  for (int i = 0; i < 5 && vm.state() == pv1::VM_STATE_CREATING; ++i) vm = get(id);  // EC2 moves it on
  EXPECT_EQ(vm.state(), pv1::VM_STATE_RUNNING);

  pv1::ListVmsRequest list;
  *list.mutable_config() = config_;
  (*list.mutable_tags())["corral-pool"] = "isolated";
  auto listed = invoke<pv1::ListVmsResponse>(CORRAL_METHOD_LIST_VMS, list);
  ASSERT_EQ(listed.vms_size(), 1);
  EXPECT_EQ(listed.vms(0).id(), id);

  pv1::DeleteVmRequest del;
  *del.mutable_config() = config_;
  del.set_vm_id(id);
  EXPECT_EQ(invoke<pv1::DeleteVmResponse>(CORRAL_METHOD_DELETE_VM, del).state(), pv1::VM_STATE_DELETING);
  vm = get(id);
  for (int i = 0; i < 5 && vm.state() == pv1::VM_STATE_DELETING; ++i) vm = get(id);
  EXPECT_EQ(vm.state(), pv1::VM_STATE_GONE);
}

TEST_F(AwsEc2Isolated, ErrorClassesCrossTheProcessBoundary) {
  ec2_.fault(json::array({{{"action", "RunInstances"},
                           {"code", "InstanceLimitExceeded"},
                           {"message", "You have requested more instances than your current instance limit allows"}}}));
  auto created = create("quota");
  ASSERT_TRUE(created.has_error());
  EXPECT_EQ(created.error().class_(), pv1::ERROR_CLASS_QUOTA);
  EXPECT_NE(created.error().message().find("InstanceLimitExceeded"), std::string::npos);
  EXPECT_NE(created.error().message().find("request id "), std::string::npos);
}

}  // namespace
}  // namespace corral::aws::itest
