// The reconcile loop driven call by call: a real broker on a real SQLite store (BrokerTest), the
// autoscaler on the test's core loop, and a provider and a directory that answer only when the
// test releases a call, in the order it wants. Time moves when the test moves the clock; the
// autoscaler's own timers never fire (a test runs a sweep or a pass itself).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "manager/autoscaler/autoscaler.h"
#include "tests/unit/manager/broker/broker_fixture.h"

namespace corral::autoscaler::testing {

class HeldVmGateway final : public VmGateway {
 public:
  struct Create {
    pv1::CreateVmRequest request;
    Done<pv1::CreateVmResponse> done;
  };
  struct Delete {
    std::string vm_id;
    Done<pv1::DeleteVmResponse> done;
  };
  struct List {
    std::map<std::string, std::string> tags;
    Done<pv1::ListVmsResponse> done;
  };

  void create_vm(const std::string&, pv1::CreateVmRequest request, Done<pv1::CreateVmResponse> done) override {
    creates.push_back({std::move(request), std::move(done)});
  }
  void delete_vm(const std::string&, const std::string& vm_id, Done<pv1::DeleteVmResponse> done) override {
    deletes.push_back({vm_id, std::move(done)});
  }
  void list_vms(const std::string&, const std::map<std::string, std::string>& tags,
                Done<pv1::ListVmsResponse> done) override {
    lists.push_back({tags, std::move(done)});
  }

  std::deque<Create> creates;
  std::deque<Delete> deletes;
  std::deque<List> lists;
};

class HeldRecordGateway final : public RecordGateway {
 public:
  struct Call {
    RecordPlace place;
    std::string hostname;
    Done done;
  };

  void ensure_record(const RecordPlace& place, const std::string& hostname, Done done) override {
    ensures.push_back({place, hostname, std::move(done)});
  }
  void remove_record(const RecordPlace& place, const std::string& hostname, Done done) override {
    removes.push_back({place, hostname, std::move(done)});
  }
  void list_records(const RecordPlace& place, Done done) override { lists.push_back({place, "", std::move(done)}); }

  std::deque<Call> ensures;
  std::deque<Call> removes;
  std::deque<Call> lists;
};

class AutoscalerLoopTest : public broker::testing::BrokerTest {
 protected:
  // BrokerTest's world (pool p1, static servers s1 and s2), provider config pc1 and autoscale
  // config as1 on p1 (minimum 0, at most 5 VMs of 1 session) as `shape` changes it; `more` adds
  // rows before the broker loads them, `started` runs once it has (agents connecting, say). Then
  // the autoscaler loads, starts and runs its first pass.
  void start_world(const std::function<void(store::AutoscaleConfigRecord&)>& shape,
                   const std::function<void()>& more = {}, const std::function<void()>& started = {}) {
    stop();
    store::ProviderConfigRecord pc;
    pc.id = "pc1";
    pc.name = "provider-pc1";
    pc.plugin = "local";
    pc.config_json = "{}";
    pc.startup_script_template = "hostname {server_hostname}\n";
    pc.created_at = pc.updated_at = store::test_support::kNow;
    ASSERT_TRUE(store_->provider_configs().insert(pc).ok());
    store::AutoscaleConfigRecord c;
    c.id = "as1";
    c.name = "as-as1";
    c.pool_id = "p1";
    c.provider_config_id = "pc1";
    c.max_instances = 5;
    c.max_sessions_per_server = 1;
    c.created_at = c.updated_at = store::test_support::kNow;
    if (shape) shape(c);
    ASSERT_TRUE(store_->autoscale_configs().insert(c).ok());
    if (more) more();
    start();
    if (HasFatalFailure()) return;
    if (started) started();
    core_->drain();

    AutoscalerSettings settings;
    settings.manager_id = "m1";
    settings.manager_url = "https://manager.example.test";
    autoscaler_ =
        std::make_unique<Autoscaler>(core_->io(), core_->store(), *broker_, vms_, records_, secrets_, clock_, settings);
    ASSERT_TRUE(autoscaler_->load(*store_).ok());
    autoscaler_->start();
    core_->drain();
  }

  void TearDown() override {
    if (autoscaler_) autoscaler_->stop();
    core_->drain();
    autoscaler_.reset();
    BrokerTest::TearDown();
  }

  // How many events of `kind` have been written so far.
  size_t count(const std::string& kind) {
    store::EventFilter filter;
    filter.limit = 1000;
    auto events = store_->events().list(filter);
    EXPECT_TRUE(events.ok()) << events.status().to_string();
    if (!events.ok()) return 0;
    return static_cast<size_t>(
        std::count_if(events->begin(), events->end(), [&kind](const store::EventRecord& e) { return e.kind == kind; }));
  }

  HeldVmGateway vms_;
  HeldRecordGateway records_;
  std::unique_ptr<Autoscaler> autoscaler_;
};

}  // namespace corral::autoscaler::testing
