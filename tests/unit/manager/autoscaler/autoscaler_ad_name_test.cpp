// A hostname whose AD computer record someone else already has: the next create draws another
// name at once, and only a run of such names backs the config off (the pattern is too narrow).
// Any other directory failure backs off at once. Driven call by call (autoscaler_loop_fixture.h).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>

#include "tests/unit/manager/autoscaler/autoscaler_loop_fixture.h"

namespace corral::autoscaler {
namespace {

using manager::directory::DirectoryStatus;
using manager::directory::DirectoryStep;

class AutoscalerAdNameTest : public testing::AutoscalerLoopTest {
 protected:
  // Config as1 wants 1 free session and makes an AD computer record for each VM: its first pass
  // asks the directory for the first server's record.
  void SetUp() override {
    AutoscalerLoopTest::SetUp();
    start_world([](store::AutoscaleConfigRecord& c) {
      c.minimum_available_sessions = 1;
      c.ad_create_machine_record = true;
      c.ldap_config_id = "ldap-1";
      c.ad_computer_container_dn = "CN=Computers,DC=example,DC=local";
    });
  }

  // Answers the oldest record request; returns the hostname it was for.
  std::string answer_record(RecordAnswer answer) {
    EXPECT_FALSE(records_.ensures.empty()) << "no record was asked for";
    if (records_.ensures.empty()) return "";
    testing::HeldRecordGateway::Call call = std::move(records_.ensures.front());
    records_.ensures.pop_front();
    call.done(std::move(answer));
    core_->drain();
    return call.hostname;
  }
  std::string taken() {
    RecordAnswer a;
    a.status = DirectoryStatus{DirectoryStep::add, DirectoryStatus::kEntryAlreadyExists,
                               "add: the name already exists in the directory and was not created by this manager"};
    return answer_record(std::move(a));
  }
  std::string made() {
    if (records_.ensures.empty()) return answer_record({});  // fails the test: nothing was asked for
    RecordAnswer a;
    a.dn = "CN=" + records_.ensures.front().hostname + ",CN=Computers,DC=example,DC=local";
    a.password = "join-secret";
    a.domain = "example.local";
    return answer_record(std::move(a));
  }
};

TEST_F(AutoscalerAdNameTest, ATakenNameIsReplacedAtOnceAndTheVmGetsTheNewName) {
  const std::string first = taken();
  EXPECT_EQ(count("ad.record_failed"), 1u);
  EXPECT_EQ(count("autoscale.backoff_entered"), 0u) << "a taken name is not a failure to back off from";
  EXPECT_EQ(count("vm.create_abandoned") + count("vm.deleted"), 0u);
  ASSERT_EQ(records_.ensures.size(), 1u) << "the next server's record is asked for at once";
  const std::string second = records_.ensures.front().hostname;
  EXPECT_NE(second, first);
  size_t servers = 0;
  broker_->for_each_server([&servers](const broker::ServerEntry&) { ++servers; });
  EXPECT_EQ(servers, 3u) << "s1, s2 and the new server; the first one is gone";

  made();
  ASSERT_EQ(vms_.creates.size(), 1u);
  EXPECT_EQ(vms_.creates.front().request.hostname(), second);
  EXPECT_NE(vms_.creates.front().request.startup_script().find("hostname " + second), std::string::npos);
}

TEST_F(AutoscalerAdNameTest, NamesTakenInARowBackOffAndASuccessStartsTheCountAgain) {
  taken();
  made();  // the second name is free: the run of taken names is over
  ASSERT_EQ(vms_.creates.size(), 1u);
  // The config wants one more: raise the minimum to 2 and let the next create run into taken names.
  store::AutoscaleConfigRecord c = store_->autoscale_configs().get("as1").value().value();
  c.minimum_available_sessions = 2;
  auto updated = store_->autoscale_configs().update(c, c.revision);
  ASSERT_TRUE(updated.ok() && *updated == store::UpdateOutcome::updated);
  autoscaler_->config_changed("as1");
  core_->drain();
  // Two taken names are replaced at once, the third backs the config off.
  for (uint32_t i = 0; i < kNameCollisionsBeforeBackoff; ++i) {
    ASSERT_EQ(records_.ensures.size(), 1u) << "collision " << i;
    EXPECT_EQ(count("autoscale.backoff_entered"), 0u) << "collision " << i;
    taken();
  }
  EXPECT_EQ(count("autoscale.backoff_entered"), 1u);
  EXPECT_TRUE(records_.ensures.empty()) << "nothing more is asked for while backing off";
}

TEST_F(AutoscalerAdNameTest, ADirectoryThatRefusesForAnotherReasonBacksOffAtOnce) {
  RecordAnswer refused;
  refused.status = DirectoryStatus{DirectoryStep::bind, 49, "bind: invalid credentials"};
  answer_record(std::move(refused));
  EXPECT_EQ(count("ad.record_failed"), 1u);
  EXPECT_EQ(count("autoscale.backoff_entered"), 1u);
  EXPECT_TRUE(records_.ensures.empty());
  EXPECT_TRUE(vms_.creates.empty());
}

}  // namespace
}  // namespace corral::autoscaler
