// Shared by the placement tests: a terse way to write servers in a table, a row type, and a check
// that runs each row through the reference rule and through PlacementIndex built two ways, so
// every row also proves the index agrees with the rule.
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "manager/broker/placement.h"
#include "manager/broker/placement_index.h"

namespace corral::broker {

inline void PrintTo(const Placed& placed, std::ostream* os) { *os << "Placed{" << placed.server_id << "}"; }

inline void PrintTo(const NotPlaced& not_placed, std::ostream* os) {
  *os << "NotPlaced{" << no_placement_reason_name(not_placed.reason) << ", " << describe(not_placed) << "}";
}

inline void PrintTo(const Decision& decision, std::ostream* os) {
  std::visit([os](const auto& d) { PrintTo(d, os); }, decision);
}

namespace testing_support {

// A ready server (enabled, agent connected, not draining, not missing), max 1 session, created at
// 0; each call changes one thing.
class ServerBuilder {
 public:
  explicit ServerBuilder(std::string id) {
    s_.id = std::move(id);
    s_.agent_connected = true;
  }
  ServerBuilder& labels(Labels labels) { return set(s_.labels, std::move(labels)); }
  ServerBuilder& sessions(uint32_t n) { return set(s_.sessions, n); }
  ServerBuilder& max(uint32_t n) { return set(s_.max_sessions, n); }
  ServerBuilder& created(int64_t at) { return set(s_.created_at, at); }
  ServerBuilder& disabled() { return set(s_.enabled, false); }
  ServerBuilder& draining() { return set(s_.draining, true); }
  ServerBuilder& disconnected() { return set(s_.agent_connected, false); }
  ServerBuilder& missing() { return set(s_.agent_missing, true); }
  ServerBuilder& assigned(std::string user) { return set(s_.assigned_user, std::move(user)); }
  ServerBuilder& reported(Resources r) { return set(s_.reported, r); }
  ServerBuilder& overrides(Resources r) { return set(s_.overrides, r); }
  ServerBuilder& used(Resources r) { return set(s_.used, r); }
  operator ServerState() const { return s_; }  // NOLINT(google-explicit-constructor): rows read better

 private:
  template <typename T, typename V>
  ServerBuilder& set(T& field, V value) {
    field = std::move(value);
    return *this;
  }
  ServerState s_;
};

inline ServerBuilder server(std::string id) { return ServerBuilder(std::move(id)); }

// Cores in whole cores and memory in GiB, so docker rows stay short.
inline Resources res(int64_t cores, int64_t memory_gib, int64_t gpus = 0) {
  return {cores * 1000, memory_gib << 30, gpus};
}

struct PlacementCase {
  std::string name;  // a gtest name: letters, digits, underscores
  PoolSpec pool;
  std::vector<ServerState> servers;
  WorkspaceDemand workspace;
  std::string user;
  Decision expected;
};

inline void PrintTo(const PlacementCase& c, std::ostream* os) { *os << c.name; }

inline std::string case_name(const ::testing::TestParamInfo<PlacementCase>& info) { return info.param.name; }

// The reference decision, after checking that the index gives the same one whether its view was
// built over servers already there or servers were added into a view that already existed.
inline Decision decide_checked(const PoolSpec& pool, const std::vector<ServerState>& servers,
                               const WorkspaceDemand& workspace, const std::string& user) {
  const Decision reference = decide_placement(pool, servers, workspace, user);

  PlacementIndex built_after(pool);
  for (const ServerState& s : servers) EXPECT_TRUE(built_after.add(s).ok()) << s.id;
  EXPECT_EQ(built_after.place(workspace, user), reference) << "index with the view made after the servers";

  PlacementIndex built_before(pool);
  (void)built_before.place(workspace, user);  // makes the view while the pool is empty
  for (auto it = servers.rbegin(); it != servers.rend(); ++it) EXPECT_TRUE(built_before.add(*it).ok()) << it->id;
  EXPECT_EQ(built_before.place(workspace, user), reference) << "index with the view made before the servers";
  return reference;
}

inline void check_case(const PlacementCase& c) {
  EXPECT_EQ(decide_checked(c.pool, c.servers, c.workspace, c.user), c.expected);
}

// Shared by several files of one test binary (one unity translation unit may hold them all).
inline const PoolSpec kPool{.type = PoolType::server};
inline const PoolSpec kAssigning{.type = PoolType::server, .server_assignment = true};

inline std::string placed_id(const Decision& decision) {
  const auto* placed = std::get_if<Placed>(&decision);
  return placed ? placed->server_id : std::string("(none)");
}

}  // namespace testing_support
}  // namespace corral::broker
