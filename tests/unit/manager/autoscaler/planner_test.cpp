// The autoscaler's rule, one test per clause of docs/autoscaling.md: what counts as available,
// scale-out and its caps, clean-up deletes, scale-in and its backoff, schedules and disabled configs.
#include "manager/autoscaler/planner.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace corral::autoscaler {
namespace {

constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kNow = 1'000'000 * kMinute;

ServerView server(std::string id, ServerPhase phase, uint32_t sessions = 0, uint32_t max = 2) {
  return {
      .id = std::move(id), .phase = phase, .sessions = sessions, .max_sessions = max, .created_at_ms = kNow - kMinute};
}

// Minimum 4, two per server, at most 10 VMs, default backoffs; last scale-out long ago.
PlannerInput input(const std::vector<ServerView>& servers) {
  PlannerInput in;
  in.policy.minimum_available_sessions = 4;
  in.policy.sessions_per_server = 2;
  in.policy.max_instances = 10;
  in.now_ms = kNow;
  in.last_scale_out_ms = kNow - 120 * kMinute;
  in.servers = servers;
  return in;
}

std::vector<std::string> deleted(const Plan& p, DeleteReason reason) {
  std::vector<std::string> ids;
  for (const PlannedDelete& d : p.deletes) {
    if (d.reason == reason) ids.push_back(d.server_id);
  }
  return ids;
}

using Ids = std::vector<std::string>;

TEST(Planner, ScalesOutFromZeroByCeilingOfTheDeficitOverSessionsPerServer) {
  std::vector<ServerView> none;
  PlannerInput in = input(none);
  in.policy.minimum_available_sessions = 5;
  Plan p = plan(in);
  EXPECT_EQ(p.available, 0u);
  EXPECT_EQ(p.deficit, 5u);
  EXPECT_EQ(p.create, 3u);  // ceil(5 / 2)
  EXPECT_EQ(p.hold, Hold::none);
  EXPECT_TRUE(p.deletes.empty());
}

TEST(Planner, AvailableCountsFreeSlotsOfReadyServersAndTheWholeOfProvisioningOnes) {
  std::vector<ServerView> servers = {
      server("ready-half", ServerPhase::ready, 1),   // 1 free
      server("ready-full", ServerPhase::ready, 2),   // 0 free
      server("booting", ServerPhase::provisioning),  // 2 on the way
      server("away", ServerPhase::not_ready),        // nothing
      server("silent", ServerPhase::missing),        // nothing
      server("drain", ServerPhase::draining, 1),     // nothing
      server("going", ServerPhase::deleting),        // nothing
  };
  Plan p = plan(input(servers));
  EXPECT_EQ(p.available, 3u);
  EXPECT_EQ(p.deficit, 1u);
  EXPECT_EQ(p.create, 1u);
}

TEST(Planner, NoScaleOutWhileTheMinimumIsMet) {
  std::vector<ServerView> servers = {server("a", ServerPhase::ready, 1), server("b", ServerPhase::provisioning),
                                     server("c", ServerPhase::ready, 1)};
  Plan p = plan(input(servers));
  EXPECT_EQ(p.available, 4u);
  EXPECT_EQ(p.create, 0u);
  EXPECT_EQ(p.deficit, 0u);
}

TEST(Planner, MaxInstancesCapsTheCreatesAndCountsServersBeingDeleted) {
  std::vector<ServerView> servers = {server("a", ServerPhase::ready, 2), server("b", ServerPhase::deleting)};
  PlannerInput in = input(servers);
  in.policy.max_instances = 3;
  in.policy.minimum_available_sessions = 6;  // wants 3 VMs, room for 1
  Plan p = plan(in);
  EXPECT_EQ(p.create, 1u);
  EXPECT_EQ(p.hold, Hold::max_instances);

  in.policy.max_instances = 2;  // no room at all
  p = plan(in);
  EXPECT_EQ(p.create, 0u);
  EXPECT_EQ(p.hold, Hold::max_instances);
}

TEST(Planner, BackoffHoldsCreatesUntilItEnds) {
  std::vector<ServerView> none;
  PlannerInput in = input(none);
  in.backoff_until_ms = kNow + 1;
  Plan p = plan(in);
  EXPECT_EQ(p.create, 0u);
  EXPECT_EQ(p.deficit, 4u);
  EXPECT_EQ(p.hold, Hold::backoff);

  in.backoff_until_ms = kNow;
  p = plan(in);
  EXPECT_EQ(p.create, 2u);
  EXPECT_EQ(p.hold, Hold::none);
}

TEST(Planner, AProvisioningServerPastItsTimeoutIsDeletedAndNoLongerCounted) {
  std::vector<ServerView> servers = {server("late", ServerPhase::provisioning),
                                     server("fresh", ServerPhase::provisioning)};
  servers[0].created_at_ms = kNow - 10 * kMinute;  // exactly the default 600 s
  servers[1].created_at_ms = kNow - 10 * kMinute + 1;
  Plan p = plan(input(servers));
  EXPECT_EQ(deleted(p, DeleteReason::provision_timeout), Ids{"late"});
  EXPECT_EQ(p.available, 2u);
  // Its replacement is requested now: 2 VMs exist (one being deleted) and the cap is 10.
  EXPECT_EQ(p.create, 1u);
}

TEST(Planner, AMissingAgentIsDeletedOnlyPastTheDeadExpiration) {
  std::vector<ServerView> servers = {server("dead", ServerPhase::missing, 1), server("late", ServerPhase::missing)};
  servers[0].silent_since_ms = kNow - 60 * kMinute;
  servers[1].silent_since_ms = kNow - 60 * kMinute + 1;
  Plan p = plan(input(servers));
  EXPECT_EQ(deleted(p, DeleteReason::dead_agent), Ids{"dead"});
  EXPECT_EQ(p.deletes.size(), 1u);
}

TEST(Planner, ANonReusableServerDrainsAfterASessionEndsAndGoesWhenEmpty) {
  std::vector<ServerView> servers = {server("still-used", ServerPhase::ready, 1), server("done", ServerPhase::ready, 0),
                                     server("fresh", ServerPhase::ready, 0)};
  servers[0].used = true;
  servers[1].used = true;
  PlannerInput in = input(servers);
  in.policy.reusable = false;
  Plan p = plan(in);
  EXPECT_EQ(p.drains, Ids{"still-used"});
  EXPECT_EQ(deleted(p, DeleteReason::used_not_reusable), Ids{"done"});
  // Only the fresh server counts: 2 free, 2 short of the minimum.
  EXPECT_EQ(p.available, 2u);
  EXPECT_EQ(p.create, 1u);

  in.policy.reusable = true;  // the same servers in a reusable config all count
  p = plan(in);
  EXPECT_TRUE(p.drains.empty());
  EXPECT_EQ(p.available, 5u);
}

TEST(Planner, ADrainingServerIsDeletedOnceEmpty) {
  std::vector<ServerView> servers = {server("empty", ServerPhase::draining), server("busy", ServerPhase::draining, 1),
                                     server("a", ServerPhase::ready), server("b", ServerPhase::ready)};
  Plan p = plan(input(servers));
  EXPECT_EQ(deleted(p, DeleteReason::drained), Ids{"empty"});
  EXPECT_EQ(p.deletes.size(), 1u);
}

TEST(Planner, ScalesInEmptyServersNewestFirstWhileTheMinimumHolds) {
  std::vector<ServerView> servers = {server("old", ServerPhase::ready), server("mid", ServerPhase::ready),
                                     server("new", ServerPhase::ready), server("busy", ServerPhase::ready, 1)};
  servers[0].created_at_ms = kNow - 30 * kMinute;
  servers[1].created_at_ms = kNow - 20 * kMinute;
  servers[2].created_at_ms = kNow - 10 * kMinute;
  Plan p = plan(input(servers));  // 7 available, minimum 4: one empty server (2 slots) can go
  EXPECT_EQ(p.available, 7u);
  EXPECT_EQ(deleted(p, DeleteReason::scale_in), Ids{"new"});

  PlannerInput zero = input(servers);
  zero.policy.minimum_available_sessions = 0;  // back to zero: every empty server goes
  EXPECT_EQ(deleted(plan(zero), DeleteReason::scale_in), (Ids{"new", "mid", "old"}));
}

TEST(Planner, ScaleInWaitsForTheDownscaleBackoffSinceTheLastScaleOut) {
  std::vector<ServerView> servers = {server("a", ServerPhase::ready), server("b", ServerPhase::ready),
                                     server("c", ServerPhase::ready)};
  PlannerInput in = input(servers);
  in.last_scale_out_ms = kNow - 30 * kMinute + 1;  // default backoff 1800 s, 1 ms short
  EXPECT_TRUE(plan(in).deletes.empty());
  in.last_scale_out_ms = kNow - 30 * kMinute;
  EXPECT_EQ(plan(in).deletes.size(), 1u);
}

TEST(Planner, NeverScalesInAServerWithSessionsOrOneNotReady) {
  std::vector<ServerView> servers = {server("busy", ServerPhase::ready, 1, 8), server("away", ServerPhase::not_ready),
                                     server("booting", ServerPhase::provisioning)};
  PlannerInput in = input(servers);
  in.policy.minimum_available_sessions = 0;
  EXPECT_TRUE(plan(in).deletes.empty());
}

TEST(Planner, OutsideTheScheduleOnlyServersWithSessionsStay) {
  std::vector<ServerView> servers = {server("busy", ServerPhase::ready, 1), server("idle", ServerPhase::ready),
                                     server("booting", ServerPhase::provisioning)};
  PlannerInput in = input(servers);
  in.schedule_active = false;
  in.last_scale_out_ms = kNow;  // the window closing does not wait for the downscale backoff
  Plan p = plan(in);
  EXPECT_EQ(deleted(p, DeleteReason::outside_schedule), (Ids{"idle", "booting"}));
  EXPECT_EQ(p.create, 0u);
  EXPECT_EQ(p.hold, Hold::schedule_closed);
}

TEST(Planner, ADisabledConfigNeitherScalesOutNorInButStillCleansUp) {
  std::vector<ServerView> servers = {server("idle", ServerPhase::ready), server("late", ServerPhase::provisioning)};
  servers[1].created_at_ms = kNow - 11 * kMinute;
  PlannerInput in = input(servers);
  in.enabled = false;
  in.policy.minimum_available_sessions = 10;
  Plan p = plan(in);
  EXPECT_EQ(p.create, 0u);
  EXPECT_EQ(p.hold, Hold::disabled);
  EXPECT_EQ(p.deficit, 8u);
  ASSERT_EQ(p.deletes.size(), 1u);
  EXPECT_EQ(p.deletes[0].reason, DeleteReason::provision_timeout);
}

TEST(Planner, TheSameInputGivesTheSamePlan) {
  std::vector<ServerView> servers = {server("b", ServerPhase::ready), server("a", ServerPhase::ready),
                                     server("c", ServerPhase::ready)};
  PlannerInput in = input(servers);
  in.policy.minimum_available_sessions = 2;
  Plan first = plan(in);
  ASSERT_EQ(first.deletes.size(), 2u);
  // Same creation time: the larger id is "newer", so the order never depends on the input's.
  EXPECT_EQ(deleted(first, DeleteReason::scale_in), (Ids{"c", "b"}));
  std::swap(servers[0], servers[2]);
  EXPECT_EQ(deleted(plan(in), DeleteReason::scale_in), (Ids{"c", "b"}));
}

TEST(Planner, NamesAreStable) {
  EXPECT_STREQ(delete_reason_name(DeleteReason::provision_timeout), "provision_timeout");
  EXPECT_STREQ(hold_name(Hold::max_instances), "max_instances");
  EXPECT_STREQ(server_phase_name(ServerPhase::not_ready), "not_ready");
}

TEST(Planner, AServerWhoseAgentIsReconnectingAfterARestartCountsAsItWasAndIsNotDeleted) {
  // Created long ago (past any provision timeout), its agent not back yet since the manager
  // started: its free slots still count, so a restart makes no VM, and nothing deletes it.
  ServerView back = server("back-soon", ServerPhase::reconnecting, 1);
  back.created_at_ms = kNow - 600 * kMinute;
  std::vector<ServerView> servers = {back, server("ready", ServerPhase::ready, 0)};
  PlannerInput in = input(servers);
  in.policy.minimum_available_sessions = 3;
  Plan p = plan(in);
  EXPECT_EQ(p.available, 3u);  // 1 + 2
  EXPECT_EQ(p.create, 0u);
  EXPECT_TRUE(p.deletes.empty());
  // Nor is it scaled in when idle: only ready servers are.
  servers[0].sessions = 0;
  in.policy.minimum_available_sessions = 0;
  in.servers = servers;
  EXPECT_EQ(deleted(plan(in), DeleteReason::scale_in), Ids{"ready"});
}

// Docker agent pools: what stands by is cores, memory and GPUs; sessions do not count.
constexpr int64_t kGiB = int64_t{1} << 30;

ServerView agent(std::string id, ServerPhase phase, broker::Resources size, broker::Resources free,
                 uint32_t sessions = 0) {
  ServerView v = server(std::move(id), phase, sessions, 100);
  v.resources = size;
  v.free_resources = free;
  return v;
}

PlannerInput docker_input(const std::vector<ServerView>& servers) {
  PlannerInput in = input(servers);
  in.policy.minimum_available_sessions = 0;
  in.policy.sessions_per_server = 1;
  in.policy.standby = {4000, 8 * kGiB, 0};
  in.policy.resources_per_server = {2000, 2 * kGiB, 0};
  return in;
}

TEST(Planner, DockerScalesOutByTheResourceThatNeedsTheMostVms) {
  std::vector<ServerView> none;
  Plan p = plan(docker_input(none));
  EXPECT_EQ(p.available, 0u);
  EXPECT_EQ(p.deficit, 0u);
  EXPECT_EQ(p.deficit_resources, (broker::Resources{4000, 8 * kGiB, 0}));
  EXPECT_EQ(p.create, 4u);  // cores want 2, memory wants 4
  EXPECT_TRUE(short_of_minimum(p));
}

TEST(Planner, DockerCountsFreeResourcesOfReadyAgentsAndTheWholeSizeOfBootingOnes) {
  const broker::Resources size = {2000, 4 * kGiB, 0};
  std::vector<ServerView> servers = {
      agent("busy", ServerPhase::ready, size, {500, kGiB, 0}, 3),
      agent("booting", ServerPhase::provisioning, size, {}),
      agent("away", ServerPhase::not_ready, size, size),
  };
  PlannerInput in = docker_input(servers);
  Plan p = plan(in);
  EXPECT_EQ(p.available_resources, (broker::Resources{2500, 5 * kGiB, 0}));
  EXPECT_EQ(p.deficit_resources, (broker::Resources{1500, 3 * kGiB, 0}));
  EXPECT_EQ(p.create, 2u);  // memory: ceil(3 GiB / 2 GiB)
  // Another config of the pool holding the rest: nothing to do.
  in.resources_elsewhere = {1500, 3 * kGiB, 0};
  EXPECT_EQ(plan(in).create, 0u);
  EXPECT_FALSE(short_of_minimum(plan(in)));
}

TEST(Planner, ADockerAgentAtItsSessionMaximumCountsNoFreeResources) {
  const broker::Resources size = {2000, 4 * kGiB, 0};
  // Resources to spare, but the broker places no session past the maximum (here 100).
  std::vector<ServerView> servers = {agent("capped", ServerPhase::ready, size, size, 100)};
  Plan p = plan(docker_input(servers));
  EXPECT_EQ(p.available_resources, (broker::Resources{}));
  EXPECT_EQ(p.deficit_resources, (broker::Resources{4000, 8 * kGiB, 0}));
  EXPECT_EQ(p.create, 4u);
  servers[0].sessions = 99;
  EXPECT_EQ(plan(docker_input(servers)).available_resources, size);
}

TEST(Planner, DockerScalesInOnlyWhileEveryResourceKeepsItsStandby) {
  const broker::Resources size = {4000, 4 * kGiB, 1};
  std::vector<ServerView> servers = {
      agent("old", ServerPhase::ready, size, size),
      agent("mid", ServerPhase::ready, size, size),
      agent("new", ServerPhase::ready, size, size),
  };
  servers[0].created_at_ms = kNow - 3 * kMinute;
  servers[1].created_at_ms = kNow - 2 * kMinute;
  PlannerInput in = docker_input(servers);
  in.policy.standby = {4000, 4 * kGiB, 2};  // GPUs keep two agents
  EXPECT_EQ(deleted(plan(in), DeleteReason::scale_in), Ids{"new"});
  in.policy.standby = {4000, 4 * kGiB, 0};
  EXPECT_EQ(deleted(plan(in), DeleteReason::scale_in), (Ids{"new", "mid"}));
}

TEST(Planner, ADockerStandbyThatNoNewVmBringsAsksForNone) {
  // GPUs on standby but the VMs have none: creating VMs would never meet it, so none is asked for.
  std::vector<ServerView> none;
  PlannerInput in = docker_input(none);
  in.policy.standby = {0, 0, 1};
  Plan p = plan(in);
  EXPECT_TRUE(short_of_minimum(p));
  EXPECT_EQ(p.create, 0u);
}

}  // namespace
}  // namespace corral::autoscaler
