// What a refused placement tells the operator: every server counted once, in the first row that
// applies, and a sentence for the 503 body.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "manager/broker/placement.h"
#include "tests/unit/manager/broker/placement_cases.h"

namespace corral::broker {
namespace {

using testing_support::decide_checked;
using testing_support::server;

using testing_support::kAssigning;
const WorkspaceDemand kWindows{.include_labels = {"win"}};

// One server in each row of ServerCounts, for a Windows workspace and the user bob.
std::vector<ServerState> one_of_each() {
  return {
      server("a").labels({"win"}).assigned("alice"),
      server("b"),
      server("c").labels({"win"}).disabled().draining().disconnected(),
      server("d").labels({"win"}).draining().missing(),
      server("e").labels({"win"}).disconnected(),
      server("f").labels({"win"}).missing(),
      server("g").labels({"win"}).sessions(1).max(1),
      server("h").labels({"win"}).sessions(2).max(2),
  };
}

TEST(NoPlacementTest, CountsEveryServerOnceInTheFirstRowThatApplies) {
  const Decision decision = decide_checked(kAssigning, one_of_each(), kWindows, "bob");
  const ServerCounts expected{.total = 8,
                              .not_for_user = 1,
                              .excluded_by_labels = 1,
                              .disabled = 1,
                              .draining = 1,
                              .provisioning = 2,
                              .ready = 2,
                              .full = 2};
  EXPECT_EQ(decision, Decision(NotPlaced{NoPlacementReason::pool_full, expected}));
}

TEST(NoPlacementTest, OneServerWithRoomIsChosenOverAllTheOthers) {
  std::vector<ServerState> servers = one_of_each();
  servers.push_back(server("i").labels({"win"}).sessions(3).max(4).created(99));
  EXPECT_EQ(decide_checked(kAssigning, servers, kWindows, "bob"), Decision(Placed{"i"}));
}

TEST(NoPlacementTest, DescribeNamesTheReasonAndTheCounts) {
  const Decision decision = decide_checked(kAssigning, one_of_each(), kWindows, "bob");
  ASSERT_TRUE(std::holds_alternative<NotPlaced>(decision));
  EXPECT_EQ(describe(std::get<NotPlaced>(decision)),
            "pool is full: 2 ready (2 full), 2 provisioning, 1 draining, 1 disabled, 1 excluded by labels, "
            "1 not for this user (of 8)");
}

TEST(NoPlacementTest, DescribeLeavesOutRowsThatAreZeroOnlyWhenOptional) {
  const NotPlaced draining_only{NoPlacementReason::no_ready_server, {.total = 2, .draining = 2}};
  EXPECT_EQ(describe(draining_only),
            "no server that may take this workspace is ready: 0 ready (0 full), 0 provisioning, 2 draining, "
            "0 disabled (of 2)");
  EXPECT_EQ(describe(NotPlaced{NoPlacementReason::pool_empty, {}}), "pool has no servers");
}

TEST(NoPlacementTest, ReasonNamesAreDistinct) {
  std::set<std::string> names;
  for (NoPlacementReason reason :
       {NoPlacementReason::pool_empty, NoPlacementReason::no_matching_server, NoPlacementReason::no_ready_server,
        NoPlacementReason::pool_full, NoPlacementReason::assigned_server_excluded,
        NoPlacementReason::assigned_server_not_ready, NoPlacementReason::assigned_server_full}) {
    names.insert(no_placement_reason_name(reason));
  }
  EXPECT_EQ(names.size(), 7u);
  EXPECT_EQ(names.count("unknown"), 0u);
}

}  // namespace
}  // namespace corral::broker
