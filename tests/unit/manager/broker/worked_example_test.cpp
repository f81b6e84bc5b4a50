// The worked examples of docs/placement.md, step by step, so the document cannot drift from the
// code: if one of these fails, fix the document or the rule, never just the test.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "manager/broker/placement.h"
#include "manager/broker/placement_index.h"
#include "tests/unit/manager/broker/placement_cases.h"

namespace corral::broker {
namespace {

using testing_support::decide_checked;
using testing_support::res;
using testing_support::server;

const PoolSpec kEast{.type = PoolType::server, .labels = {"site=east"}, .server_assignment = true};
const WorkspaceDemand kOffice{.include_labels = {"os=win"}, .exclude_labels = {"gpu"}};

std::vector<ServerState> east_servers() {
  return {
      server("rdp-01").labels({"os=win"}).created(1).max(4).sessions(2),
      server("rdp-02").labels({"os=win"}).created(2).max(4).sessions(1),
      server("rdp-03").labels({"os=win"}).created(3).max(2).sessions(1),
      server("rdp-04").labels({"os=win", "gpu"}).created(4).max(4),
      server("rdp-05").labels({"os=win"}).created(5).max(4).draining(),
      server("rdp-06").labels({"os=win"}).created(6).max(4).assigned("dana"),
      server("rdp-07").labels({"os=linux"}).created(7).max(4),
      server("rdp-08").labels({"os=win"}).created(8).max(4).disconnected(),
  };
}

using testing_support::placed_id;

TEST(WorkedExampleTest, SessionsForBobFillTheServerPoolInTheDocumentedOrder) {
  std::vector<ServerState> servers = east_servers();
  PlacementIndex index(kEast);
  for (const ServerState& s : servers) ASSERT_TRUE(index.add(s).ok());

  std::vector<std::string> order;
  for (int i = 0; i < 6; ++i) {
    const Decision decision = index.place(kOffice, "bob");
    ASSERT_EQ(decision, decide_placement(kEast, servers, kOffice, "bob"));
    const std::string id = placed_id(decision);
    order.push_back(id);
    for (ServerState& s : servers) {
      if (s.id == id) {
        ASSERT_TRUE(index.set_load(id, ++s.sessions, {}).ok());
      }
    }
  }
  EXPECT_EQ(order, (std::vector<std::string>{"rdp-02", "rdp-03", "rdp-01", "rdp-02", "rdp-01", "rdp-02"}));

  const Decision seventh = index.place(kOffice, "bob");
  ASSERT_TRUE(std::holds_alternative<NotPlaced>(seventh));
  EXPECT_EQ(describe(std::get<NotPlaced>(seventh)),
            "pool is full: 3 ready (3 full), 1 provisioning, 1 draining, 0 disabled, 2 excluded by labels, "
            "1 not for this user (of 8)");
}

TEST(WorkedExampleTest, DanaLandsOnlyOnHerServer) {
  std::vector<ServerState> servers = east_servers();
  EXPECT_EQ(decide_checked(kEast, servers, kOffice, "dana"), Decision(Placed{"rdp-06"}));

  servers[5].draining = true;
  const Decision refused = decide_checked(kEast, servers, kOffice, "dana");
  ASSERT_TRUE(std::holds_alternative<NotPlaced>(refused));
  EXPECT_EQ(describe(std::get<NotPlaced>(refused)),
            "the user's assigned server is not ready: 0 ready (0 full), 0 provisioning, 1 draining, 0 disabled, "
            "7 not for this user (of 8)");
}

TEST(WorkedExampleTest, DockerSessionGoesToTheAgentWithMostFreeCores) {
  const PoolSpec containers{.type = PoolType::docker_agent};
  const std::vector<ServerState> agents = {
      server("dk-1").max(10).created(1).sessions(3).reported(res(8, 32)).used(res(6, 12)),
      server("dk-2").max(10).created(2).sessions(3).reported(res(8, 32)).overrides(res(16, 0)).used(res(6, 12)),
      server("dk-3").max(10).created(3).sessions(1).reported(res(16, 16)).used(res(2, 14)),
  };
  EXPECT_EQ(decide_checked(containers, agents, {.need = res(2, 4)}, "bob"), Decision(Placed{"dk-2"}));
}

}  // namespace
}  // namespace corral::broker
