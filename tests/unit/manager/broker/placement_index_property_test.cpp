// Random pools changed by random operations: after every change the index must answer exactly what
// decide_placement() answers over the same servers. Values are drawn from small sets so that ties,
// shared labels, full servers and assigned users are common. Seeds are fixed: a failure reproduces.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "manager/broker/placement.h"
#include "manager/broker/placement_index.h"
#include "tests/unit/manager/broker/placement_cases.h"

namespace corral::broker {
namespace {

class RandomPool {
 public:
  explicit RandomPool(uint64_t seed) : rng_(seed) {}

  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  double unit() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  int64_t pick(std::initializer_list<int64_t> values) { return values.begin()[below(values.size())]; }
  size_t below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  Labels labels(const std::vector<std::string>& alphabet, double p) {
    Labels out;
    for (const std::string& label : alphabet) {
      if (chance(p)) out.push_back(label);
    }
    return out;
  }
  Resources resources() { return {pick({0, 1000, 2000, 4000}), pick({0, 1, 2, 4}), pick({0, 1, 2})}; }
  Resources overrides() { return chance(0.7) ? Resources{} : resources(); }

  PoolSpec pool() {
    return {.type = chance(0.5) ? PoolType::server : PoolType::docker_agent,
            .labels = labels({"a", "p"}, 0.3),
            .server_assignment = chance(0.5)};
  }
  ServerState server(std::string id) {
    ServerState s;
    s.id = std::move(id);
    s.labels = labels({"a", "b", "c", "d"}, 0.4);
    s.enabled = chance(0.9);
    s.draining = chance(0.1);
    s.agent_connected = chance(0.85);
    s.agent_missing = chance(0.05);
    s.created_at = pick({0, 1, 2, 3, 4});
    s.sessions = static_cast<uint32_t>(pick({0, 1, 2, 3, 4}));
    s.max_sessions = static_cast<uint32_t>(pick({0, 1, 2, 3, 4}));
    s.assigned_user = chance(0.2) ? (chance(0.5) ? "alice" : "bob") : "";
    s.reported = resources();
    s.overrides = overrides();
    s.used = resources();
    return s;
  }
  WorkspaceDemand workspace() {
    return {.include_labels = labels({"a", "b", "c", "p"}, 0.25),
            .exclude_labels = labels({"b", "c", "d"}, 0.15),
            .need = {pick({0, 1000, 2000}), pick({0, 1, 2}), pick({0, 0, 1})}};
  }

 private:
  std::mt19937_64 rng_;
};

void expect_counts_partition(const Decision& decision) {
  const auto* refused = std::get_if<NotPlaced>(&decision);
  if (refused == nullptr) return;
  const ServerCounts& c = refused->counts;
  EXPECT_EQ(c.total, c.not_for_user + c.excluded_by_labels + c.disabled + c.draining + c.provisioning + c.ready);
  EXPECT_EQ(c.ready, c.full) << "a ready server with room would have been chosen";
}

TEST(PlacementIndexPropertyTest, RandomChangesAgreeWithTheRule) {
  constexpr int kSeeds = 40;
  constexpr int kSteps = 1500;
  // What the placements came to, so the test fails if the generator stops reaching an outcome.
  std::map<std::string, int> outcomes;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    RandomPool random(seed);
    const PoolSpec pool = random.pool();
    std::vector<WorkspaceDemand> workspaces;  // a few demands, reused, as workspaces are
    for (int i = 0; i < 5; ++i) workspaces.push_back(random.workspace());
    const std::vector<std::string> users = {"alice", "bob", "carol", ""};

    PlacementIndex index(pool);
    std::map<std::string, ServerState> servers;
    for (int step = 0; step < kSteps; ++step) {
      SCOPED_TRACE("seed " + std::to_string(seed) + " step " + std::to_string(step));
      const std::string id = "s" + std::to_string(random.below(24));
      const auto known = servers.find(id);
      const double op = random.unit();
      if (known == servers.end() && op < 0.5) {
        ServerState s = random.server(id);
        ASSERT_TRUE(index.add(s).ok());
        servers[id] = std::move(s);
      } else if (known != servers.end() && op < 0.15) {
        ServerState s = random.server(id);
        ASSERT_TRUE(index.update(s).ok());
        known->second = std::move(s);
      } else if (known != servers.end() && op < 0.45) {
        known->second.sessions = static_cast<uint32_t>(random.pick({0, 1, 2, 3, 4}));
        known->second.used = random.resources();
        ASSERT_TRUE(index.set_load(id, known->second.sessions, known->second.used).ok());
      } else if (known != servers.end() && op < 0.5) {
        ASSERT_TRUE(index.remove(id).ok());
        servers.erase(known);
      } else {
        const WorkspaceDemand& workspace = workspaces[random.below(workspaces.size())];
        const std::string& user = users[random.below(users.size())];
        std::vector<ServerState> all;
        for (const auto& [_, s] : servers) all.push_back(s);
        const Decision expected = decide_placement(pool, all, workspace, user);
        ASSERT_EQ(index.place(workspace, user), expected);
        expect_counts_partition(expected);
        const auto* refused = std::get_if<NotPlaced>(&expected);
        ++outcomes[refused ? no_placement_reason_name(refused->reason) : "placed"];
      }
    }
  }
  for (const char* outcome : {"placed", "pool_empty", "no_matching_server", "no_ready_server", "pool_full",
                              "assigned_server_excluded", "assigned_server_not_ready", "assigned_server_full"}) {
    EXPECT_GE(outcomes[outcome], 10) << outcome;
  }
}

}  // namespace
}  // namespace corral::broker
