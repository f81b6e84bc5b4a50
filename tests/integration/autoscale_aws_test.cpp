// The autoscaler end to end on the AWS plugin, run as an operator runs it: isolated in
// corral-plugin-host, static keys, its endpoint_url pointed at the loopback EC2 endpoint
// (tests/unit/plugins/aws/ec2_server.py), which checks every request's signature and every
// parameter against botocore's EC2 model. An instance of that endpoint is a record, not a machine:
// nothing runs its user data unless the test does, as cloud-init would, so each test says which
// side of that it proves. Every wait is on what the manager or the endpoint reports.
#include <sqlite3.h>

#include "common/encoding.h"
#include "tests/integration/autoscale_fixture.h"
#include "tests/integration/plugins/aws/ec2_endpoint.h"

namespace corral::testing {
namespace {

class AwsAutoscaleTest : public AutoscaleTest {
 protected:
  void TearDown() override {
    ec2_.expect_clean();
    AutoscaleTest::TearDown();
  }

  // A manager that runs the AWS plugin in its own corral-plugin-host (the default isolation), as
  // `nobody` since the tests may run as root, with a quick loop and an orphan sweep (ListVms, so
  // DescribeInstances by the manager's tag) every second.
  std::unique_ptr<ManagerUnderTest> start_aws_manager() {
    const std::string dir = work_ + "/plugins";
    fs::create_directories(dir);
    ::chmod(dir.c_str(), 0755);
    const fs::path to = fs::path(dir) / "corral-provider-aws.so";
    fs::copy_file(CORRAL_AWS_PLUGIN, to, fs::copy_options::overwrite_existing);
    ::chmod(to.c_str(), 0755);
    return start_manager_with_env({},
                                  "plugins:\n"
                                  "  user: nobody\n"
                                  "  dir: " +
                                      dir +
                                      "\n"
                                      "  load:\n"
                                      "    - file: corral-provider-aws.so\n"
                                      "autoscaler:\n"
                                      "  tick_ms: 200\n"
                                      "  failure_backoff_seconds: 1\n"
                                      "  failure_backoff_max_seconds: 2\n"
                                      "  orphan_sweep_seconds: 1\n"
                                      "  orphan_grace_seconds: 600\n");
  }

  // An AWS provider config on the loopback endpoint whose instances, once booted, start a real
  // agent with the join token rendered into their user data.
  std::string make_aws_provider(const ManagerUnderTest& m, const std::string& name, const std::string& subnet) {
    const std::string script =
        "#!/bin/bash\n"
        "export CORRAL_JOIN_TOKEN='{join_token}'\n"
        "exec '" +
        agent_binary() + "' --data-dir \"$PWD/agent\" --hostname '{server_hostname}' --manager '{manager_url}'\n";
    json body = {{"name", name},
                 {"plugin", "aws"},
                 {"config", json::parse(ec2_.config_json({{"subnet_id", subnet}}))},
                 {"startupScriptTemplate", script},
                 {"maxInstances", 10}};
    return call_json(m, "POST", "/api/v1/provider-configs", body.dump(), 201).value("id", "");
  }

  // The endpoint's instances (id -> state, tags, the RunInstances parameters that made it).
  json instances() const { return ec2_.stats()["instances"]; }

  // What cloud-init does on a real instance: runs its user data. The agent it starts is this
  // test's child, ended with the test.
  void boot(const std::string& instance_id) {
    const std::string user_data = decoded(instances()[instance_id]["params"].value("UserData", ""));
    const std::string dir = work_ + "/boot-" + instance_id;
    fs::create_directories(dir);
    std::ofstream(dir + "/user-data") << user_data;
    booted_.push_back(Process::start("/bin/bash", {dir + "/user-data"}, dir + "/agent.log", {}, {"", dir}));
  }

  // The idempotency key of the create intent that recorded VM_ID, read from the manager's store
  // (read-only, beside the running manager: SQLite's WAL lets a reader in).
  static std::string create_key_of(const ManagerUnderTest& m, const std::string& vm_id) {
    sqlite3* db = nullptr;
    std::string key;
    if (sqlite3_open_v2((m.data_dir() + "/corral.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(db, "SELECT idempotency_key FROM intents WHERE kind = 'create_vm' AND vm_id = ?", -1, &st,
                             nullptr) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, vm_id.c_str(), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW) key = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      }
      sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return key;
  }

  static std::string decoded(const std::string& base64) {
    std::optional<std::string> text = base64_decode(base64);
    EXPECT_TRUE(text.has_value()) << "not base64: " << base64;
    return text.value_or("");
  }

  static std::string manager_id(const ManagerUnderTest& m) {
    std::string id;
    std::ifstream(m.data_dir() + "/manager.id") >> id;
    return id;
  }

  // The value of tag KEY in the N-th TagSpecification of a RunInstances, "" when absent.
  static std::string spec_tag(const json& params, int n, const std::string& key) {
    const std::string spec = "TagSpecification." + std::to_string(n) + ".";
    for (int i = 1; params.contains(spec + "Tag." + std::to_string(i) + ".Key"); ++i) {
      const std::string tag = spec + "Tag." + std::to_string(i) + ".";
      if (params[tag + "Key"] == key) return params.value(tag + "Value", "");
    }
    return "";
  }

  aws::itest::Ec2Endpoint ec2_;
  std::vector<Process> booted_;
};

TEST_F(AwsAutoscaleTest, ScalesOutFromZeroBootsFromItsUserDataAndTerminatesOnScaleIn) {
  auto m = start_aws_manager();
  ASSERT_TRUE(m);
  const std::string provider = make_aws_provider(*m, "ec2", aws::itest::kSubnet);
  const std::string pool = make_pool(*m).first;
  json body = {{"name", "ec2"},
               {"poolId", pool},
               {"providerConfigId", provider},
               {"minimumAvailableSessions", 1},
               {"maxSimultaneousSessionsPerServer", 1},
               {"maxInstances", 2},
               {"downscaleBackoffSeconds", 0}};
  const std::string config = make_config(*m, body);

  // From zero: one RunInstances, recorded on the server.
  ASSERT_TRUE(eventually([&] { return events(*m, "vm.created").size() == 1u; }, 60s)) << m->process().log();
  ASSERT_EQ(instances().size(), 1u);
  const std::string id = instances().begin().key();
  const json params = instances()[id]["params"];
  ASSERT_EQ(servers(*m, pool).size(), 1u);
  const json server = servers(*m, pool).front();
  EXPECT_EQ(server.value("vmId", ""), id);
  EXPECT_EQ(ec2_.requests("RunInstances"), 1);

  // A retried create would carry the same token: it is the intent's idempotency key.
  const std::string key = create_key_of(*m, id);
  ASSERT_FALSE(key.empty());
  EXPECT_EQ(params.value("ClientToken", ""), key);
  // The ownership tags, on the instance and on its volumes.
  const std::map<std::string, std::string> owned = {{"corral-manager", manager_id(*m)},
                                                    {"corral-autoscale-config", config},
                                                    {"corral-server", server.value("id", "")},
                                                    {"Name", server.value("hostname", "")}};
  EXPECT_EQ(params.value("TagSpecification.1.ResourceType", ""), "instance");
  EXPECT_EQ(params.value("TagSpecification.2.ResourceType", ""), "volume");
  for (const auto& [tag, value] : owned) {
    EXPECT_FALSE(value.empty()) << tag;
    EXPECT_EQ(instances()[id]["tags"].value(tag, ""), value) << tag;
    EXPECT_EQ(spec_tag(params, 1, tag), value) << tag;
    EXPECT_EQ(spec_tag(params, 2, tag), value) << tag;
  }
  // The user data is the rendered startup script: every variable filled in.
  const std::string user_data = decoded(params.value("UserData", ""));
  EXPECT_NE(user_data.find("--hostname '" + server.value("hostname", "") + "'"), std::string::npos) << user_data;
  EXPECT_NE(user_data.find("--manager '" + m->api_url() + "'"), std::string::npos) << user_data;
  EXPECT_EQ(user_data.find('{'), std::string::npos) << user_data;
  EXPECT_EQ(user_data.find("CORRAL_JOIN_TOKEN=''"), std::string::npos) << user_data;

  // The orphan sweep lists the manager's instances (DescribeInstances by its tag) and finds this
  // one known: the endpoint moves an instance to running only once a DescribeInstances saw it.
  ASSERT_TRUE(eventually([&] { return instances()[id].value("state", "") == "running"; }, 60s)) << m->process().log();
  const json described = ec2_.stats()["last"]["DescribeInstances"];
  bool by_owner = false;
  for (int i = 1; described.contains("Filter." + std::to_string(i) + ".Name"); ++i) {
    const std::string filter = "Filter." + std::to_string(i) + ".";
    by_owner |= described[filter + "Name"] == "tag:corral-manager" && described[filter + "Value.1"] == manager_id(*m);
  }
  EXPECT_TRUE(by_owner) << described;
  EXPECT_TRUE(events(*m, "vm.orphan_found").empty());

  // The instance boots: the join token in its user data enrolls its agent for that server.
  boot(id);
  ASSERT_TRUE(eventually([&] { return ready_servers(*m, pool) == 1; }, 120s)) << m->process().log();
  EXPECT_EQ(events(*m, "vm.checked_in").size(), 1u);
  EXPECT_EQ(instances().size(), 1u) << "the minimum is kept: no second instance";

  // Scale-in: a minimum of zero terminates the empty instance.
  body["minimumAvailableSessions"] = 0;
  call_json(*m, "PUT", "/api/v1/autoscale-configs/" + config, body.dump(), 200);
  ASSERT_TRUE(eventually([&] { return servers(*m, pool).empty() && events(*m, "vm.deleted").size() == 1u; }, 120s))
      << m->process().log();
  EXPECT_EQ(ec2_.requests("TerminateInstances"), 1);
  EXPECT_EQ(ec2_.stats()["last"]["TerminateInstances"].value("InstanceId.1", ""), id);
  const std::string state = instances()[id].value("state", "");
  EXPECT_TRUE(state == "shutting-down" || state == "terminated") << state;
  EXPECT_FALSE(events(*m, "autoscale.scale_in").empty());
}

TEST_F(AwsAutoscaleTest, AnInstanceThatNeverBootsIsTerminatedAtItsProvisionTimeoutAndTheConfigBacksOff) {
  auto m = start_aws_manager();
  ASSERT_TRUE(m);
  const std::string provider = make_aws_provider(*m, "ec2", aws::itest::kSubnet);
  const std::string pool = make_pool(*m).first;
  make_config(*m, {{"name", "silent"},
                   {"poolId", pool},
                   {"providerConfigId", provider},
                   {"minimumAvailableSessions", 1},
                   {"maxSimultaneousSessionsPerServer", 1},
                   {"maxInstances", 2},
                   {"provisionTimeoutSeconds", 30}});
  ASSERT_TRUE(eventually([&] { return instances().size() == 1u; }, 60s)) << m->process().log();
  const std::string first = instances().begin().key();

  // Nothing runs its user data: 30 s later it is terminated, counted a failure, and after the
  // backoff another instance is asked for, under a new idempotency key.
  ASSERT_TRUE(eventually([&] { return !events(*m, "vm.timed_out").empty(); }, 120s)) << m->process().log();
  EXPECT_EQ(events(*m, "vm.timed_out").front().value("vmId", ""), first);
  ASSERT_TRUE(eventually([&] { return events(*m, "vm.deleted").size() == 1u; }, 60s)) << m->process().log();
  EXPECT_EQ(ec2_.stats()["last"]["TerminateInstances"].value("InstanceId.1", ""), first);
  bool backed_off = false;
  for (const json& e : events(*m, "autoscale.backoff_entered")) {
    backed_off |= e.value("message", "").find("did not check in in time") != std::string::npos;
  }
  EXPECT_TRUE(backed_off);
  ASSERT_TRUE(eventually([&] { return instances().size() == 2u; }, 60s)) << m->process().log();
  const json both = instances();
  std::string second;
  for (const auto& [id, inst] : both.items()) second = id == first ? second : id;
  ASSERT_FALSE(second.empty());
  EXPECT_NE(both[second]["params"].value("ClientToken", ""), both[first]["params"].value("ClientToken", ""));
  EXPECT_TRUE(
      eventually([&] { return create_key_of(*m, second) == both[second]["params"].value("ClientToken", ""); }, 60s));
  const std::string state = both[first].value("state", "");
  EXPECT_TRUE(state == "shutting-down" || state == "terminated") << state;
}

TEST_F(AwsAutoscaleTest, InsufficientInstanceCapacityFailsOverToTheNextConfig) {
  auto m = start_aws_manager();
  ASSERT_TRUE(m);
  // Two subnets (availability zones) of one account; the first has no capacity for the instance type.
  const std::string zone_a = make_aws_provider(*m, "zone-a", aws::itest::kSubnet);
  const std::string zone_b = make_aws_provider(*m, "zone-b", "subnet-0aaaaaaaaaaaaaaaa");
  const std::string pool = make_pool(*m).first;
  // EC2 answers 500 and the host's HTTP service retries it as the AWS SDKs do: the zone stays
  // out of capacity for every attempt.
  ec2_.fault(json::array({{{"action", "RunInstances"},
                           {"match", {{"SubnetId", aws::itest::kSubnet}}},
                           {"times", 1000},
                           {"status", 500},
                           {"code", "InsufficientInstanceCapacity"},
                           {"message",
                            "We currently do not have sufficient t3.micro capacity in the Availability "
                            "Zone you requested (eu-west-1a)."}}}));
  const json common = {
      {"poolId", pool}, {"minimumAvailableSessions", 1}, {"maxSimultaneousSessionsPerServer", 1}, {"maxInstances", 2}};
  json first = common;
  first.update({{"name", "first"}, {"providerConfigId", zone_a}, {"priority", 0}});
  json second = common;
  second.update({{"name", "second"}, {"providerConfigId", zone_b}, {"priority", 1}});
  const std::string first_id = make_config(*m, first);
  const std::string second_id = make_config(*m, second);

  ASSERT_TRUE(eventually([&] { return !events(*m, "autoscale.failover").empty(); }, 60s)) << m->process().log();
  EXPECT_NE(events(*m, "autoscale.failover").front().value("message", "").find("out of capacity or quota"),
            std::string::npos);
  bool capacity_failure = false;
  for (const json& e : events(*m, "vm.create_failed")) {
    const std::string message = e.value("message", "");
    capacity_failure |= e.value("autoscaleConfigId", "") == first_id &&
                        message.find("out of capacity") != std::string::npos &&
                        message.find("InsufficientInstanceCapacity") != std::string::npos &&
                        message.find("request id ") != std::string::npos;
  }
  EXPECT_TRUE(capacity_failure);
  EXPECT_FALSE(events(*m, "autoscale.backoff_entered").empty());

  // The second config launches in its own subnet; the refused launch left no instance.
  ASSERT_TRUE(eventually([&] { return events(*m, "vm.created").size() == 1u; }, 60s)) << m->process().log();
  ASSERT_EQ(instances().size(), 1u);
  const json made = instances().begin().value();
  EXPECT_EQ(made["tags"].value("corral-autoscale-config", ""), second_id);
  EXPECT_EQ(made["params"].value("SubnetId", ""), "subnet-0aaaaaaaaaaaaaaaa");
  ASSERT_EQ(servers(*m, pool).size(), 1u);
  EXPECT_EQ(servers(*m, pool).front().value("autoscaleConfigId", ""), second_id);
}

}  // namespace
}  // namespace corral::testing
