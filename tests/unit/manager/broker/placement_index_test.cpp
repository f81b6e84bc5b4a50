// PlacementIndex as the broker drives it: servers added, changed, loaded and removed between
// placements. The rule itself is in the table tests; here the index must keep answering what
// decide_placement() answers, whatever the order of changes.
#include "manager/broker/placement_index.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "manager/broker/placement.h"
#include "tests/unit/manager/broker/placement_cases.h"

namespace corral::broker {
namespace {

using testing_support::res;
using testing_support::server;

using testing_support::kPool;
using testing_support::placed_id;

TEST(PlacementIndexTest, RejectsEmptyDuplicateAndUnknownIds) {
  PlacementIndex index(kPool);
  EXPECT_EQ(index.add(server("")).code(), ErrorCode::invalid_argument);
  ASSERT_TRUE(index.add(server("a")).ok());
  EXPECT_EQ(index.add(server("a")).code(), ErrorCode::already_exists);
  EXPECT_EQ(index.update(server("b")).code(), ErrorCode::not_found);
  EXPECT_EQ(index.set_load("b", 1, {}).code(), ErrorCode::not_found);
  EXPECT_EQ(index.remove("b").code(), ErrorCode::not_found);
  EXPECT_EQ(index.size(), 1u);
}

// What the broker does: place, reserve (set_load), place again. Three servers of two slots fill
// evenly, oldest first within a round, and the seventh session is refused.
TEST(PlacementIndexTest, ReservationsSpreadSessionsEvenlyUntilThePoolIsFull) {
  PlacementIndex index(kPool);
  const std::vector<std::pair<std::string, int64_t>> servers = {{"a", 1}, {"b", 2}, {"c", 3}};
  for (const auto& [id, created] : servers) ASSERT_TRUE(index.add(server(id).max(2).created(created)).ok());
  std::map<std::string, uint32_t> sessions;
  std::vector<std::string> order;
  for (int i = 0; i < 6; ++i) {
    const std::string id = placed_id(index.place({}, "u"));
    order.push_back(id);
    ASSERT_TRUE(index.set_load(id, ++sessions[id], {}).ok());
  }
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c", "a", "b", "c"}));
  EXPECT_EQ(index.place({}, "u"),
            Decision(NotPlaced{NoPlacementReason::pool_full, {.total = 3, .ready = 3, .full = 3}}));

  ASSERT_TRUE(index.set_load("b", 1, {}).ok());  // a session on b ended
  EXPECT_EQ(placed_id(index.place({}, "u")), "b");
}

TEST(PlacementIndexTest, DockerReservationsTakeResources) {
  PlacementIndex index(PoolSpec{.type = PoolType::docker_agent});
  ASSERT_TRUE(index.add(server("a").max(10).reported(res(4, 8))).ok());
  const WorkspaceDemand two_cores{.need = res(2, 1)};
  EXPECT_EQ(placed_id(index.place(two_cores, "u")), "a");
  ASSERT_TRUE(index.set_load("a", 2, res(4, 2)).ok());
  EXPECT_EQ(index.place(two_cores, "u"),
            Decision(NotPlaced{NoPlacementReason::pool_full, {.total = 1, .ready = 1, .full = 1}}));
  // A workspace that needs no cores still fits: each demand has its own view of who has room.
  EXPECT_EQ(placed_id(index.place({.need = res(0, 1)}, "u")), "a");
}

TEST(PlacementIndexTest, LabelChangesMoveAServerInAndOutOfAWorkspace) {
  PlacementIndex index(kPool);
  const WorkspaceDemand gpu{.include_labels = {"gpu"}};
  ASSERT_TRUE(index.add(server("a")).ok());
  EXPECT_EQ(placed_id(index.place(gpu, "u")), "(none)");
  ASSERT_TRUE(index.update(server("a").labels({"gpu"})).ok());
  EXPECT_EQ(placed_id(index.place(gpu, "u")), "a");
  ASSERT_TRUE(index.update(server("a").labels({"cpu"})).ok());
  EXPECT_EQ(index.place(gpu, "u"),
            Decision(NotPlaced{NoPlacementReason::no_matching_server, {.total = 1, .excluded_by_labels = 1}}));
}

TEST(PlacementIndexTest, AssigningAServerTakesItFromEveryoneElse) {
  PlacementIndex index(PoolSpec{.type = PoolType::server, .server_assignment = true});
  ASSERT_TRUE(index.add(server("a")).ok());
  EXPECT_EQ(placed_id(index.place({}, "bob")), "a");
  ASSERT_TRUE(index.update(server("a").assigned("alice")).ok());
  EXPECT_EQ(placed_id(index.place({}, "bob")), "(none)");
  EXPECT_EQ(placed_id(index.place({}, "alice")), "a");
  ASSERT_TRUE(index.update(server("a")).ok());
  EXPECT_EQ(placed_id(index.place({}, "bob")), "a");
}

TEST(PlacementIndexTest, RemovedServerLeavesEveryView) {
  PlacementIndex index(kPool);
  ASSERT_TRUE(index.add(server("a").labels({"x", "y"})).ok());
  ASSERT_TRUE(index.add(server("b").labels({"x"}).sessions(1).max(2)).ok());
  const WorkspaceDemand x{.include_labels = {"x"}};
  const WorkspaceDemand y{.include_labels = {"y"}};
  EXPECT_EQ(placed_id(index.place(x, "u")), "a");
  EXPECT_EQ(placed_id(index.place(y, "u")), "a");
  ASSERT_TRUE(index.remove("a").ok());
  EXPECT_EQ(placed_id(index.place(x, "u")), "b");
  EXPECT_EQ(index.place(y, "u"),
            Decision(NotPlaced{NoPlacementReason::no_matching_server, {.total = 1, .excluded_by_labels = 1}}));
}

TEST(PlacementIndexTest, EqualDemandsShareOneView) {
  PlacementIndex servers(kPool);
  (void)servers.place({.include_labels = {"x", "y"}}, "u");
  (void)servers.place({.include_labels = {"y", "x", "x"}}, "u");
  (void)servers.place({.include_labels = {"x", "y"}, .need = res(2, 2)}, "u");  // server pools ignore need
  EXPECT_EQ(servers.view_count(), 1u);

  PlacementIndex docker(PoolSpec{.type = PoolType::docker_agent});
  (void)docker.place({.need = res(1, 1)}, "u");
  (void)docker.place({.need = res(2, 1)}, "u");
  EXPECT_EQ(docker.view_count(), 2u);
}

TEST(PlacementIndexTest, PreparedViewIsTheOnePlacementsUse) {
  PlacementIndex index(kPool);
  const WorkspaceDemand x{.include_labels = {"x"}};
  index.prepare(x);
  EXPECT_EQ(index.view_count(), 1u);
  ASSERT_TRUE(index.add(server("a").labels({"x"})).ok());
  EXPECT_EQ(placed_id(index.place(x, "u")), "a");
  EXPECT_EQ(index.view_count(), 1u);
}

}  // namespace
}  // namespace corral::broker
