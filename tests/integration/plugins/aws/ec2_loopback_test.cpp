// The AWS plugin loaded in-process the way the manager loads it (plugin_loader, HostServices, the
// real host HTTP client with its retries), against the loopback EC2 endpoint, which checks every
// signature with botocore and every parameter against botocore's EC2 model. Covers the wire form
// of each call, the error classes, throttling with Retry-After, pagination, slow answers, dropped
// connections and lost answers. Every wait is on an answer; none on a clock, except the one test
// whose subject is the call's deadline.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "manager/providers/host_http.h"
#include "manager/providers/plugin_loader.h"
#include "tests/integration/plugins/aws/ec2_endpoint.h"
#include "tests/unit/manager/providers/plugin_dir.h"

namespace corral::aws::itest {
namespace {

namespace pv1 = ::corral::provider::v1;
using manager::providers::CallOptions;
using manager::providers::HostHttpClient;
using manager::providers::HostHttpSettings;
using manager::providers::InProcessClient;
using manager::providers::RetryTiming;
using nlohmann::json;

// Real clocks, but the waits between attempts are recorded and skipped: backoff and Retry-After
// are proven by what the client asked to wait, not by waiting.
class AwsRecordedWaits final : public RetryTiming {
 public:
  int64_t monotonic_ms() const override { return HostHttpClient::monotonic_now_ms(); }
  std::chrono::system_clock::time_point wall_now() const override { return std::chrono::system_clock::now(); }
  bool wait(std::chrono::milliseconds wait, const std::atomic<bool>*) const override {
    std::lock_guard<std::mutex> lock(mu_);
    waits_.push_back(wait);
    return true;
  }
  std::vector<std::chrono::milliseconds> waits() const {
    std::lock_guard<std::mutex> lock(mu_);
    return waits_;
  }

 private:
  mutable std::mutex mu_;
  mutable std::vector<std::chrono::milliseconds> waits_;
};

class AwsEc2Loopback : public ::testing::Test {
 protected:
  void SetUp() override { plugins_.install(CORRAL_AWS_PLUGIN, "corral-provider-aws.so"); }

  // The plugin with a host HTTP client of SETTINGS (waits recorded, not waited).
  void start(std::vector<std::string> server_args = {}, HostHttpSettings settings = {}) {
    ec2_ = std::make_unique<Ec2Endpoint>(std::move(server_args));
    timing_ = std::make_shared<AwsRecordedWaits>();
    auto http = HostHttpClient::create(settings, {}, timing_);
    ASSERT_TRUE(http.ok()) << http.status().message();
    manager::providers::LoadOptions o;
    o.plugin_dir = plugins_.dir();
    o.file = "corral-provider-aws.so";
    o.http = std::make_shared<const HostHttpClient>(std::move(http).value());
    auto loaded = manager::providers::load_in_process(o);
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    plugin_ = std::move(loaded).value();
    config_.set_name("aws-loopback");
    config_.set_revision(1);
    config_.set_config_json(ec2_->config_json());
  }
  void TearDown() override {
    if (ec2_ && check_clean_) ec2_->expect_clean();
  }

  void configure(const json& extra) {
    config_.set_revision(config_.revision() + 1);
    config_.set_config_json(ec2_->config_json(extra));
  }

  template <typename Response, typename Request>
  Response invoke(corral_method method, const Request& r, CallOptions options = {}) {
    auto answer = manager::providers::call<Response>(*plugin_, method, r, options);
    if (!answer.ok()) throw std::runtime_error(answer.status().message());
    return *answer;
  }
  pv1::CreateVmRequest create_request(const std::string& key, pv1::OsType os = pv1::OS_TYPE_LINUX,
                                      const std::string& script = "#!/bin/bash\necho hello\n") {
    pv1::CreateVmRequest r;
    *r.mutable_config() = config_;
    r.set_idempotency_key(key);
    r.set_hostname("desk-" + key);
    (*r.mutable_tags())["corral-pool"] = "pool-1";
    r.set_startup_script(script);
    r.set_os_type(os);
    return r;
  }
  pv1::CreateVmResponse create(const std::string& key, pv1::OsType os = pv1::OS_TYPE_LINUX) {
    return invoke<pv1::CreateVmResponse>(CORRAL_METHOD_CREATE_VM, create_request(key, os));
  }
  pv1::GetVmResponse get(const std::string& id, CallOptions options = {}) {
    pv1::GetVmRequest r;
    *r.mutable_config() = config_;
    r.set_vm_id(id);
    return invoke<pv1::GetVmResponse>(CORRAL_METHOD_GET_VM, r, options);
  }
  pv1::ListVmsResponse list(const std::map<std::string, std::string>& tags) {
    pv1::ListVmsRequest r;
    *r.mutable_config() = config_;
    for (const auto& [k, v] : tags) (*r.mutable_tags())[k] = v;
    return invoke<pv1::ListVmsResponse>(CORRAL_METHOD_LIST_VMS, r);
  }
  pv1::DeleteVmResponse remove(const std::string& id) {
    pv1::DeleteVmRequest r;
    *r.mutable_config() = config_;
    r.set_vm_id(id);
    return invoke<pv1::DeleteVmResponse>(CORRAL_METHOD_DELETE_VM, r);
  }
  json last(const std::string& action) { return ec2_->stats()["last"][action]; }

  manager::providers::test_support::PluginDir plugins_{"aws-ec2"};
  std::unique_ptr<Ec2Endpoint> ec2_;
  std::shared_ptr<AwsRecordedWaits> timing_;
  std::shared_ptr<InProcessClient> plugin_;
  pv1::ProviderConfig config_;
  bool check_clean_ = true;
};

TEST_F(AwsEc2Loopback, CreateGetListDeleteOnTheWire) {
  start();
  configure({{"subnet_id", kSubnet},
             {"security_group_ids", {kSecurityGroup}},
             {"key_name", "ops"},
             {"iam_instance_profile", "corral-vm"},
             {"root_volume", {{"size_gib", 40}, {"type", "gp3"}, {"iops", 3000}, {"throughput_mibps", 125}}},
             {"spot", {{"max_price", "0.05"}}},
             {"tags", {{"cost-center", "42"}}}});
  auto created = create("k1");
  ASSERT_FALSE(created.has_error()) << created.error().message();
  const std::string id = created.vm().id();
  EXPECT_EQ(created.vm().state(), pv1::VM_STATE_CREATING);
  EXPECT_EQ(created.vm().hostname(), "desk-k1");
  EXPECT_EQ(created.vm().zone(), "eu-west-1a");  // the subnet's

  json p = last("RunInstances");
  EXPECT_EQ(p["ClientToken"], "k1");
  EXPECT_EQ(p["MinCount"], "1");
  EXPECT_EQ(p["MaxCount"], "1");
  EXPECT_EQ(p["UserData"], "IyEvYmluL2Jhc2gKZWNobyBoZWxsbwo=");
  EXPECT_EQ(p["SubnetId"], kSubnet);
  EXPECT_EQ(p["SecurityGroupId.1"], kSecurityGroup);
  EXPECT_EQ(p["IamInstanceProfile.Name"], "corral-vm");
  EXPECT_EQ(p["BlockDeviceMapping.1.DeviceName"], "/dev/xvda");  // from DescribeImages
  EXPECT_EQ(p["BlockDeviceMapping.1.Ebs.VolumeSize"], "40");
  EXPECT_EQ(p["InstanceMarketOptions.MarketType"], "spot");
  EXPECT_EQ(p["InstanceMarketOptions.SpotOptions.MaxPrice"], "0.05");
  EXPECT_EQ(p["TagSpecification.2.ResourceType"], "volume");

  // pending at first, running once EC2 moves it along.
  EXPECT_EQ(get(id).vm().state(), pv1::VM_STATE_CREATING);
  pv1::Vm vm = get(id).vm();
  EXPECT_EQ(vm.state(), pv1::VM_STATE_RUNNING);
  EXPECT_EQ(vm.hostname(), "desk-k1");
  EXPECT_EQ(vm.tags().at("corral-pool"), "pool-1");
  EXPECT_EQ(vm.tags().at("cost-center"), "42");
  EXPECT_EQ(vm.addresses_size(), 2);  // private and public
  EXPECT_GT(vm.created_unix_ms(), 0);

  auto listed = list({{"corral-pool", "pool-1"}});
  ASSERT_FALSE(listed.has_error()) << listed.error().message();
  ASSERT_EQ(listed.vms_size(), 1);
  EXPECT_EQ(listed.vms(0).id(), id);
  EXPECT_EQ(list({{"corral-pool", "pool-2"}}).vms_size(), 0);
  EXPECT_EQ(last("DescribeInstances")["Filter.2.Name"], "tag:corral-pool");

  auto deleted = remove(id);
  ASSERT_FALSE(deleted.has_error()) << deleted.error().message();
  EXPECT_EQ(deleted.state(), pv1::VM_STATE_DELETING);
  EXPECT_EQ(get(id).vm().state(), pv1::VM_STATE_DELETING);
  EXPECT_EQ(get(id).vm().state(), pv1::VM_STATE_GONE);  // terminated
  EXPECT_EQ(list({{"corral-pool", "pool-1"}}).vms_size(), 0);
  EXPECT_EQ(remove(id).state(), pv1::VM_STATE_GONE);
}

TEST_F(AwsEc2Loopback, WindowsUserDataIsWrappedInPowershellTags) {
  start();
  configure({{"image_id", kWindowsImage}, {"root_volume", {{"size_gib", 60}}}});
  auto created = invoke<pv1::CreateVmResponse>(CORRAL_METHOD_CREATE_VM,
                                               create_request("w1", pv1::OS_TYPE_WINDOWS, "Write-Host 'hello'\n"));
  ASSERT_FALSE(created.has_error()) << created.error().message();
  json p = last("RunInstances");
  // base64 of "<powershell>\nWrite-Host 'hello'\n</powershell>\n"
  EXPECT_EQ(p["UserData"], "PHBvd2Vyc2hlbGw+CldyaXRlLUhvc3QgJ2hlbGxvJwo8L3Bvd2Vyc2hlbGw+Cg==");
  EXPECT_EQ(p["BlockDeviceMapping.1.DeviceName"], "/dev/sda1");
  EXPECT_EQ(get(created.vm().id()).vm().os_type(), pv1::OS_TYPE_WINDOWS);
}

TEST_F(AwsEc2Loopback, UserDataOver16KiBIsRefusedWithoutARequest) {
  start();
  auto r = create_request("big", pv1::OS_TYPE_LINUX, std::string(16 * 1024 + 1, '#'));
  auto created = invoke<pv1::CreateVmResponse>(CORRAL_METHOD_CREATE_VM, r);
  ASSERT_TRUE(created.has_error());
  EXPECT_EQ(created.error().class_(), pv1::ERROR_CLASS_INVALID_CONFIG);
  EXPECT_NE(created.error().message().find("16384"), std::string::npos) << created.error().message();
  EXPECT_NE(created.error().message().find("{agent_download_url}"), std::string::npos);
  EXPECT_EQ(ec2_->requests("RunInstances"), 0);
}

TEST_F(AwsEc2Loopback, AnswerLostAfterTheLaunchIsRetriedWithTheSameClientToken) {
  start();
  ec2_->fault(json::array({{{"action", "RunInstances"}, {"kind", "drop_after"}}}));
  auto created = create("lost-answer");
  ASSERT_FALSE(created.has_error()) << created.error().message();
  json s = ec2_->stats();
  EXPECT_EQ(s["connections_dropped"], 1);
  EXPECT_EQ(s["requests"]["RunInstances"], 2);
  ASSERT_EQ(s["instances"].size(), 1u) << "a retried create launched a second instance";
  EXPECT_TRUE(s["instances"].contains(created.vm().id()));
  // And a create repeated by the manager later still finds the same instance.
  EXPECT_EQ(create("lost-answer").vm().id(), created.vm().id());
  EXPECT_EQ(ec2_->stats()["instances"].size(), 1u);
}

TEST_F(AwsEc2Loopback, DroppedConnectionIsRetried) {
  start();
  auto created = create("d1");
  ec2_->fault(json::array({{{"action", "DescribeInstances"}, {"kind", "drop"}, {"times", 2}}}));
  auto got = get(created.vm().id());
  ASSERT_FALSE(got.has_error()) << got.error().message();
  EXPECT_EQ(got.vm().id(), created.vm().id());
  EXPECT_EQ(ec2_->stats()["connections_dropped"], 2);
}

TEST_F(AwsEc2Loopback, ThrottlingIsRetriedAfterRetryAfter) {
  start();
  ec2_->fault(json::array({{{"action", "RunInstances"},
                            {"status", 503},
                            {"code", "RequestLimitExceeded"},
                            {"message", "Request limit exceeded."},
                            {"retry_after", "3"},
                            {"times", 2}}}));
  auto created = create("t1");
  ASSERT_FALSE(created.has_error()) << created.error().message();
  EXPECT_EQ(ec2_->requests("RunInstances"), 3);
  auto waits = timing_->waits();
  ASSERT_EQ(waits.size(), 2u);
  for (auto w : waits) EXPECT_GE(w, std::chrono::milliseconds(3000)) << "Retry-After was not honoured";
}

TEST_F(AwsEc2Loopback, ThrottlingThatOutlastsTheRetriesIsTransientWithItsRetryAfter) {
  start();
  ec2_->fault(json::array({{{"action", "DescribeInstances"},
                            {"status", 503},
                            {"code", "RequestLimitExceeded"},
                            {"message", "Request limit exceeded."},
                            {"retry_after", "2"},
                            {"times", 100}}}));
  auto got = get("i-0123456789abcdef0");
  ASSERT_TRUE(got.has_error());
  EXPECT_EQ(got.error().class_(), pv1::ERROR_CLASS_TRANSIENT);
  EXPECT_EQ(got.error().retry_after_ms(), 2000);
  EXPECT_EQ(ec2_->requests("DescribeInstances"), 4);  // the host's max_attempts
  EXPECT_NE(got.error().message().find("RequestLimitExceeded"), std::string::npos);
}

struct AwsFaultCase {
  const char* code;
  int status;
  pv1::ErrorClass expected;
  const char* path;
  const char* message;
};

class AwsEc2Faults : public AwsEc2Loopback, public ::testing::WithParamInterface<AwsFaultCase> {};

TEST_P(AwsEc2Faults, CreateReportsTheClassWithTheRequestId) {
  const AwsFaultCase& c = GetParam();
  HostHttpSettings one_attempt;
  one_attempt.max_attempts = 1;  // what reaches the plugin is the fault itself, not a retry of it
  start({}, one_attempt);
  ec2_->fault(
      json::array({{{"action", "RunInstances"}, {"status", c.status}, {"code", c.code}, {"message", c.message}}}));
  auto created = create(std::string("f-") + c.code);
  ASSERT_TRUE(created.has_error());
  EXPECT_EQ(created.error().class_(), c.expected)
      << c.code << ": " << pv1::ErrorClass_Name(created.error().class_()) << " " << created.error().message();
  EXPECT_EQ(created.error().field_path(), c.path);
  EXPECT_NE(created.error().message().find(std::string(c.code) + ": " + c.message), std::string::npos)
      << created.error().message();
  // The server's request id is a UUID.
  size_t at = created.error().message().find("request id ");
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(created.error().message().size() - (at + 11), 37u) << created.error().message();  // uuid + ")"
  EXPECT_FALSE(created.has_vm());
  EXPECT_EQ(ec2_->stats()["instances"].size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    EveryClass, AwsEc2Faults,
    ::testing::Values(
        AwsFaultCase{"InsufficientInstanceCapacity", 500, pv1::ERROR_CLASS_OUT_OF_CAPACITY, "",
                     "We currently do not have sufficient t3.micro capacity in the Availability Zone you requested."},
        AwsFaultCase{"InsufficientCapacityOnHost", 500, pv1::ERROR_CLASS_OUT_OF_CAPACITY, "", "No capacity on host."},
        AwsFaultCase{"SpotMaxPriceTooLow", 400, pv1::ERROR_CLASS_OUT_OF_CAPACITY, "", "Your max price is too low."},
        AwsFaultCase{"VcpuLimitExceeded", 400, pv1::ERROR_CLASS_QUOTA, "", "You have requested more vCPU capacity."},
        AwsFaultCase{"MaxSpotInstanceCountExceeded", 400, pv1::ERROR_CLASS_QUOTA, "", "Max spot instance count."},
        AwsFaultCase{"UnauthorizedOperation", 403, pv1::ERROR_CLASS_AUTH, "",
                     "You are not authorized to perform this operation."},
        AwsFaultCase{"RequestExpired", 400, pv1::ERROR_CLASS_AUTH, "", "Request has expired."},
        AwsFaultCase{"InvalidParameterValue", 400, pv1::ERROR_CLASS_INVALID_CONFIG, "/instance_type",
                     "Value (t3.micro) for parameter instanceType is invalid."},
        AwsFaultCase{"InvalidAMIID.Malformed", 400, pv1::ERROR_CLASS_INVALID_CONFIG, "/image_id", "Invalid id."},
        AwsFaultCase{"InvalidSubnetID.NotFound", 400, pv1::ERROR_CLASS_INVALID_CONFIG, "/subnet_id",
                     "The subnet ID does not exist."},
        AwsFaultCase{"Unavailable", 503, pv1::ERROR_CLASS_TRANSIENT, "", "The service is unavailable."},
        AwsFaultCase{"InternalError", 500, pv1::ERROR_CLASS_TRANSIENT, "", "An internal error has occurred."}));

TEST_F(AwsEc2Loopback, FieldsEc2RefusesAreNamed) {
  start();
  configure({{"image_id", "ami-00000000000000000"}});
  auto bad_image = create("i1");
  ASSERT_TRUE(bad_image.has_error());
  EXPECT_EQ(bad_image.error().class_(), pv1::ERROR_CLASS_INVALID_CONFIG);
  EXPECT_EQ(bad_image.error().field_path(), "/image_id");
  configure({{"subnet_id", "subnet-00000000000000000"}});
  auto bad_subnet = create("i2");
  EXPECT_EQ(bad_subnet.error().field_path(), "/subnet_id") << bad_subnet.error().message();
}

TEST_F(AwsEc2Loopback, WrongSecretIsAnAuthError) {
  start();
  check_clean_ = false;
  config_.set_config_json(ec2_->config_json({{"secret_access_key", "not-the-secret"}}));
  auto created = create("a1");
  ASSERT_TRUE(created.has_error());
  EXPECT_EQ(created.error().class_(), pv1::ERROR_CLASS_AUTH);
  EXPECT_NE(created.error().message().find("SignatureDoesNotMatch"), std::string::npos);
  EXPECT_EQ(ec2_->stats()["signature_failures"].size(), 1u);
  ec2_->expect_clean(false);
}

TEST_F(AwsEc2Loopback, SlowAnswerIsAbandonedAndRetried) {
  HostHttpSettings quick;
  quick.default_timeout = std::chrono::milliseconds(1000);
  start({}, quick);
  auto created = create("s1");
  ec2_->fault(json::array({{{"action", "DescribeInstances"}, {"kind", "hold"}}}));
  auto got = get(created.vm().id());
  ASSERT_FALSE(got.has_error()) << got.error().message();
  EXPECT_EQ(got.vm().id(), created.vm().id());
  EXPECT_EQ(ec2_->stats()["held"], 1);
  EXPECT_EQ(ec2_->requests("DescribeInstances"), 2);
}

TEST_F(AwsEc2Loopback, NoAnswerBeforeTheCallsDeadlineIsTransient) {
  start();
  ec2_->fault(json::array({{{"action", "DescribeInstances"}, {"kind", "hold"}, {"times", 100}}}));
  CallOptions options;
  options.timeout = std::chrono::milliseconds(1500);
  auto got = get("i-0123456789abcdef0", options);
  ASSERT_TRUE(got.has_error());
  EXPECT_EQ(got.error().class_(), pv1::ERROR_CLASS_TRANSIENT);
  EXPECT_NE(got.error().message().find("no answer"), std::string::npos) << got.error().message();
}

TEST_F(AwsEc2Loopback, ListingFollowsNextTokenAcrossPages) {
  start({"--page-size", "2"});
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(create("p" + std::to_string(i)).vm().id());
  auto listed = list({{"corral-pool", "pool-1"}});
  ASSERT_FALSE(listed.has_error()) << listed.error().message();
  std::vector<std::string> got;
  for (const auto& vm : listed.vms()) got.push_back(vm.id());
  EXPECT_EQ(got, ids);
  EXPECT_EQ(ec2_->requests("DescribeInstances"), 3);
  EXPECT_TRUE(last("DescribeInstances").contains("NextToken"));
}

TEST_F(AwsEc2Loopback, UnknownIdsAreGoneAndANewInstanceIsNotLostToEventualConsistency) {
  start();
  EXPECT_EQ(get("i-0123456789abcdef0").vm().state(), pv1::VM_STATE_GONE);  // EC2: NotFound
  EXPECT_EQ(get("no-such-vm").vm().state(), pv1::VM_STATE_GONE);           // not an id: not asked
  EXPECT_EQ(remove("i-0123456789abcdef0").state(), pv1::VM_STATE_GONE);
  EXPECT_EQ(remove("no-such-vm").state(), pv1::VM_STATE_GONE);
  EXPECT_EQ(ec2_->requests("DescribeInstances"), 1);
  EXPECT_EQ(ec2_->requests("TerminateInstances"), 1);

  // DescribeInstances right after RunInstances may not know the instance yet.
  auto created = create("ec1");
  ec2_->fault(json::array({{{"action", "DescribeInstances"},
                            {"status", 400},
                            {"code", "InvalidInstanceID.NotFound"},
                            {"message", "The instance ID does not exist"}}}));
  EXPECT_EQ(get(created.vm().id()).vm().state(), pv1::VM_STATE_CREATING);
}

TEST_F(AwsEc2Loopback, StoppedInstanceIsAnErrorWithItsReason) {
  start();
  auto created = create("st1");
  ec2_->set_state(created.vm().id(), "stopped", "Client.UserInitiatedShutdown: User initiated shutdown");
  pv1::Vm vm = get(created.vm().id()).vm();
  EXPECT_EQ(vm.state(), pv1::VM_STATE_ERROR);
  EXPECT_NE(vm.error().message().find("User initiated shutdown"), std::string::npos) << vm.error().message();
}

TEST_F(AwsEc2Loopback, TheImagesRootDeviceIsAskedOncePerConfig) {
  start();
  configure({{"root_volume", {{"size_gib", 30}}}});
  ASSERT_FALSE(create("r1").has_error());
  ASSERT_FALSE(create("r2").has_error());
  EXPECT_EQ(ec2_->requests("DescribeImages"), 1);
}

}  // namespace
}  // namespace corral::aws::itest
