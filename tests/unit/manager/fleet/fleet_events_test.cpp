#include "manager/fleet/fleet_events.h"

#include <gtest/gtest.h>

#include "manager/fleet/pending_commands.h"
#include "tests/unit/manager/fleet/recording_observer.h"

namespace corral::manager {
namespace {

using Lines = std::vector<std::string>;

void publish_back(FleetEvents& events, const std::string& id) {
  events.publish([&](FleetObserver& o) { o.on_agent_back({id}); });
}

TEST(FleetEventsTest, ObserversHearEventsInSubscriptionOrderUntilUnsubscribed) {
  FleetEvents events;
  std::vector<std::string> order;
  struct Named : FleetObserver {
    std::string name;
    std::vector<std::string>* order = nullptr;
    void on_agent_back(const AgentBackEvent& e) override { order->push_back(name + ":" + e.agent_id); }
  } a, b;
  a.name = "a";
  a.order = &order;
  b.name = "b";
  b.order = &order;
  auto sa = events.subscribe(a);
  {
    auto sb = events.subscribe(b);
    publish_back(events, "x");
    EXPECT_EQ(events.observer_count(), 2u);
  }
  publish_back(events, "y");
  EXPECT_EQ(order, (Lines{"a:x", "b:x", "a:y"}));
  EXPECT_EQ(events.observer_count(), 1u);
}

TEST(FleetEventsTest, SubscriptionsMoveWithoutUnsubscribing) {
  FleetEvents events;
  testing::RecordingObserver seen;
  FleetEvents::Subscription kept;
  {
    auto temporary = events.subscribe(seen);
    kept = std::move(temporary);
  }
  publish_back(events, "x");
  EXPECT_EQ(seen.take(), Lines{"back x"});
  kept = FleetEvents::Subscription();
  publish_back(events, "y");
  EXPECT_TRUE(seen.take().empty());
}

// An observer may end its own subscription, or another's, or add one, while hearing an event.
TEST(FleetEventsTest, SubscribingAndUnsubscribingDuringDeliveryIsSafe) {
  FleetEvents events;
  testing::RecordingObserver later, victim;
  struct Meddler : FleetObserver {
    FleetEvents* events = nullptr;
    FleetEvents::Subscription* own = nullptr;
    FleetEvents::Subscription* victim = nullptr;
    FleetObserver* newcomer = nullptr;
    FleetEvents::Subscription added;
    void on_agent_back(const AgentBackEvent&) override {
      *victim = FleetEvents::Subscription();
      added = events->subscribe(*newcomer);
      *own = FleetEvents::Subscription();
    }
  } meddler;
  FleetEvents::Subscription own = events.subscribe(meddler);
  FleetEvents::Subscription victim_sub = events.subscribe(victim);
  meddler.events = &events;
  meddler.own = &own;
  meddler.victim = &victim_sub;
  meddler.newcomer = &later;

  publish_back(events, "x");
  EXPECT_TRUE(victim.take().empty()) << "unsubscribed before its turn";
  EXPECT_TRUE(later.take().empty()) << "subscribed during the event: hears the next one";
  publish_back(events, "y");
  EXPECT_EQ(later.take(), Lines{"back y"});
  EXPECT_EQ(events.observer_count(), 1u);
}

TEST(PendingCommandsTest, EachCommandIsTakenOnceByItsAgentOrByTime) {
  using namespace std::chrono_literals;
  PendingCommands pending;
  auto t0 = std::chrono::steady_clock::time_point{} + 100s;
  auto command = [](const std::string& id) {
    corral::agent::v1::Command c;
    c.set_command_id(id);
    return c;
  };
  pending.add("agent-1", command("c1"), t0 + 10s);
  pending.add("agent-1", command("c2"), t0 + 5s);
  pending.add("agent-2", command("c3"), t0 + 5s);
  pending.add("agent-1", command("c4"), t0 + 30s);

  EXPECT_FALSE(pending.take("agent-2", "c1")) << "not its command";
  auto c1 = pending.take("agent-1", "c1");
  ASSERT_TRUE(c1);
  EXPECT_EQ(c1->command.command_id(), "c1");
  EXPECT_FALSE(pending.take("agent-1", "c1"));

  auto expired = pending.take_expired(t0 + 5s);
  ASSERT_EQ(expired.size(), 2u);
  EXPECT_EQ(expired[0].command.command_id(), "c2") << "in the order sent";
  EXPECT_EQ(expired[1].command.command_id(), "c3");
  EXPECT_TRUE(pending.take_expired(t0 + 29s).empty());

  auto lost = pending.take_agent("agent-1");
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].command.command_id(), "c4");
  EXPECT_EQ(pending.size(), 0u);
}

}  // namespace
}  // namespace corral::manager
