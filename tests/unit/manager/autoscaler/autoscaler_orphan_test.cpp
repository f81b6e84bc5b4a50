// The orphan sweep, driven call by call (autoscaler_loop_fixture.h). The order of the answers is
// the point: the sweep's ListVms can be answered after a scale-in deleted the VM and its row,
// listing a VM that was never an orphan.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/manager/autoscaler/autoscaler_loop_fixture.h"

namespace corral::autoscaler {
namespace {

using testing::HeldVmGateway;

class AutoscalerOrphanTest : public testing::AutoscalerLoopTest {
 protected:
  // Config as1 with a minimum of 0 and its server v1: VM vm-1, agent a3 connected, no session.
  // The first pass scales v1 in.
  void SetUp() override {
    AutoscalerLoopTest::SetUp();
    start_world(
        {},
        [this] {
          add_agent("a3");
          store::ServerRecord v = server("v1", "p1");
          v.origin = store::ServerOrigin::autoscaled;
          v.autoscale_config_id = "as1";
          v.vm_id = "vm-1";
          v.agent_id = "a3";
          v.max_sessions = 2;
          ASSERT_TRUE(store_->servers().insert(v).ok());
        },
        [this] { connect("a3"); });
  }

  void TearDown() override {
    EXPECT_TRUE(records_.ensures.empty() && records_.removes.empty() && records_.lists.empty())
        << "no config here makes AD computer records";
    AutoscalerLoopTest::TearDown();
  }

  // A VM as the provider lists it: running, with this manager's tags for `server_id`.
  static pv1::Vm running(const std::string& vm_id, const std::string& server_id) {
    pv1::Vm vm;
    vm.set_id(vm_id);
    vm.set_state(pv1::VM_STATE_RUNNING);
    (*vm.mutable_tags())[kTagManager] = "m1";
    (*vm.mutable_tags())[kTagConfig] = "as1";
    (*vm.mutable_tags())[kTagServer] = server_id;
    return vm;
  }

  // Runs a sweep and returns its ListVms call, unanswered.
  HeldVmGateway::List sweep() {
    autoscaler_->sweep_orphans_now();
    core_->drain();
    EXPECT_EQ(vms_.lists.size(), 1u) << "one provider config, one listing";
    if (vms_.lists.empty()) return {};
    HeldVmGateway::List list = std::move(vms_.lists.front());
    vms_.lists.pop_front();
    EXPECT_EQ(list.tags, (std::map<std::string, std::string>{{kTagManager, "m1"}}));
    return list;
  }

  void answer(HeldVmGateway::List& list, const std::vector<pv1::Vm>& vms) {
    pv1::ListVmsResponse r;
    for (const pv1::Vm& vm : vms) *r.add_vms() = vm;
    list.done(std::move(r));
    core_->drain();
  }
};

TEST_F(AutoscalerOrphanTest, AListingAnsweredAfterAScaleInFinishedHoldsNoOrphan) {
  // The first pass drained v1 and asked for its VM's deletion.
  ASSERT_EQ(vms_.deletes.size(), 1u);
  EXPECT_EQ(vms_.deletes.front().vm_id, "vm-1");
  // The sweep lists the manager's VMs while the delete is under way: the provider still has vm-1.
  HeldVmGateway::List listing = sweep();
  // The delete is answered first; the row goes with it.
  HeldVmGateway::Delete deleted = std::move(vms_.deletes.front());
  vms_.deletes.pop_front();
  pv1::DeleteVmResponse gone;
  gone.set_state(pv1::VM_STATE_GONE);
  deleted.done(std::move(gone));
  core_->drain();
  ASSERT_EQ(broker_->server_entry("v1"), nullptr) << "the scale-in removes the server row";
  EXPECT_EQ(count("vm.deleted"), 1u);
  // Then the listing made before it arrives: vm-1 in it is the VM just deleted, not an orphan.
  answer(listing, {running("vm-1", "v1")});
  EXPECT_EQ(count("vm.orphan_found"), 0u);

  // Past the orphan grace, a provider that still lists it gets no delete from the sweep: the
  // server is remembered for an hour.
  clock_.advance(std::chrono::minutes(20));
  listing = sweep();
  answer(listing, {running("vm-1", "v1")});
  EXPECT_EQ(count("vm.orphan_found"), 0u);
  EXPECT_TRUE(vms_.deletes.empty());

  // A VM the provider said it deleted but that is still there an hour later is an orphan.
  clock_.advance(std::chrono::minutes(45));
  listing = sweep();
  answer(listing, {running("vm-1", "v1")});
  EXPECT_EQ(count("vm.orphan_found"), 1u);
}

TEST_F(AutoscalerOrphanTest, ATaggedVmNoServerHasIsReportedThenDeletedAfterTheGrace) {
  // v1's scale-in is left waiting: its VM is claimed by the action in flight.
  ASSERT_EQ(vms_.deletes.size(), 1u);
  const pv1::Vm stray = running("vm-stray", "no-such-server");
  HeldVmGateway::List listing = sweep();
  answer(listing, {running("vm-1", "v1"), stray});
  EXPECT_EQ(count("vm.orphan_found"), 1u) << "vm-stray only";
  EXPECT_EQ(vms_.deletes.size(), 1u) << "nothing is deleted within the grace";

  clock_.advance(std::chrono::minutes(16));
  listing = sweep();
  answer(listing, {running("vm-1", "v1"), stray});
  EXPECT_EQ(count("vm.orphan_found"), 1u) << "reported once";
  ASSERT_EQ(vms_.deletes.size(), 2u);
  EXPECT_EQ(vms_.deletes.back().vm_id, "vm-stray");
  pv1::DeleteVmResponse gone;
  gone.set_state(pv1::VM_STATE_GONE);
  vms_.deletes.back().done(std::move(gone));
  core_->drain();
  EXPECT_EQ(count("vm.orphan_removed"), 1u);
  EXPECT_NE(broker_->server_entry("v1"), nullptr) << "the server whose delete is in flight stays until it is answered";
}

TEST_F(AutoscalerOrphanTest, AVmThatLeftTheListingIsForgottenAndItsGraceStartsAgain) {
  const pv1::Vm stray = running("vm-stray", "no-such-server");
  HeldVmGateway::List listing = sweep();
  answer(listing, {stray});
  EXPECT_EQ(count("vm.orphan_found"), 1u);
  // Gone from the next listing (someone deleted it by hand): forgotten.
  clock_.advance(std::chrono::minutes(5));
  listing = sweep();
  answer(listing, {});
  // Back past the first sighting's grace: a new sighting, reported again, deleted only after a
  // grace of its own.
  clock_.advance(std::chrono::minutes(20));
  listing = sweep();
  answer(listing, {stray});
  EXPECT_EQ(count("vm.orphan_found"), 2u);
  ASSERT_EQ(vms_.deletes.size(), 1u) << "only v1's scale-in";
  EXPECT_EQ(vms_.deletes.front().vm_id, "vm-1");
  clock_.advance(std::chrono::minutes(15));
  listing = sweep();
  answer(listing, {stray});
  ASSERT_EQ(vms_.deletes.size(), 2u);
  EXPECT_EQ(vms_.deletes.back().vm_id, "vm-stray");
}

TEST_F(AutoscalerOrphanTest, VmsBeingDeletedOrGoneAreNotOrphans) {
  pv1::Vm deleting = running("vm-a", "no-such-server");
  deleting.set_state(pv1::VM_STATE_DELETING);
  pv1::Vm gone = running("vm-b", "no-such-server");
  gone.set_state(pv1::VM_STATE_GONE);
  HeldVmGateway::List listing = sweep();
  answer(listing, {deleting, gone});
  EXPECT_EQ(count("vm.orphan_found"), 0u);
}

}  // namespace
}  // namespace corral::autoscaler
