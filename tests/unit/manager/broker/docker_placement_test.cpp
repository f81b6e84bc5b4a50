// The placement rule in docker agent pools: room is free cores, memory and GPUs (the agent's totals
// or the admin's overrides, less what sessions use), and ties go to the most free cores, then
// memory, then GPUs.
#include <gtest/gtest.h>

#include <vector>

#include "manager/broker/placement.h"
#include "tests/unit/manager/broker/placement_cases.h"

namespace corral::broker {
namespace {

using testing_support::PlacementCase;
using testing_support::res;
using testing_support::server;

const PoolSpec kDocker{.type = PoolType::docker_agent};
// Two cores and 4 GiB per session.
const WorkspaceDemand kTwoByFour{.need = res(2, 4)};

class DockerPlacementTest : public ::testing::TestWithParam<PlacementCase> {};

TEST_P(DockerPlacementTest, Decides) { testing_support::check_case(GetParam()); }

// Where a row has a "b", "a" has fewer sessions, so "a" is chosen exactly when it has room.
const std::vector<PlacementCase> kRoomCases = {
    {"too_few_free_cores",
     kDocker,
     {server("a").reported(res(4, 8)).used(res(3, 0)), server("b").sessions(1).reported(res(4, 8)).used(res(2, 2))},
     kTwoByFour,
     "u",
     Placed{"b"}},
    {"too_little_free_memory",
     kDocker,
     {server("a").reported(res(8, 4)).used(res(0, 1)), server("b").sessions(1).reported(res(4, 8))},
     kTwoByFour,
     "u",
     Placed{"b"}},
    {"gpu_needed",
     kDocker,
     {server("a").reported(res(8, 8)), server("b").sessions(1).reported(res(8, 8, 1))},
     {.need = res(1, 1, 1)},
     "u",
     Placed{"b"}},
    {"exact_fit_is_room",
     kDocker,
     {server("a").reported(res(2, 4)), server("b").sessions(1).reported(res(8, 8))},
     kTwoByFour,
     "u",
     Placed{"a"}},
    {"override_raises_cores",
     kDocker,
     {server("a").reported(res(2, 4)).used(res(2, 0)).overrides(res(8, 0)),
      server("b").sessions(1).reported(res(8, 8))},
     kTwoByFour,
     "u",
     Placed{"a"}},
    {"override_lowers_cores",
     kDocker,
     {server("a").reported(res(16, 64)).overrides(res(1, 0)), server("b").sessions(1).reported(res(8, 8))},
     kTwoByFour,
     "u",
     Placed{"b"}},
    {"override_lowers_memory",
     kDocker,
     {server("a").reported(res(16, 64)).overrides(res(0, 2)), server("b").sessions(1).reported(res(8, 8))},
     kTwoByFour,
     "u",
     Placed{"b"}},
    {"zero_overrides_use_reported",
     kDocker,
     {server("a").reported(res(2, 4)).overrides(res(0, 0, 0)), server("b").sessions(1).reported(res(8, 8))},
     kTwoByFour,
     "u",
     Placed{"a"}},
    {"used_above_override_is_full",
     kDocker,
     {server("a").reported(res(16, 64)).overrides(res(2, 0)).used(res(4, 0)), server("b").reported(res(1, 64))},
     kTwoByFour,
     "u",
     NotPlaced{NoPlacementReason::pool_full, {.total = 2, .ready = 2, .full = 2}}},
    {"zero_need_fits_anywhere_ready", kDocker, {server("a")}, {}, "u", Placed{"a"}},
    {"max_sessions_not_used_in_docker_pools",
     kDocker,
     {server("a").max(0).sessions(3).reported(res(8, 8))},
     kTwoByFour,
     "u",
     Placed{"a"}},
};
INSTANTIATE_TEST_SUITE_P(Room, DockerPlacementTest, ::testing::ValuesIn(kRoomCases), testing_support::case_name);

const std::vector<PlacementCase> kDockerOrderCases = {
    {"fewest_sessions_beats_more_free",
     kDocker,
     {server("a").sessions(1).reported(res(64, 256)), server("b").reported(res(2, 4))},
     kTwoByFour,
     "u",
     Placed{"b"}},
    {"more_free_cores_wins",
     kDocker,
     {server("a").reported(res(4, 64)), server("b").reported(res(8, 8))},
     kTwoByFour,
     "u",
     Placed{"b"}},
    {"free_not_total_counts",
     kDocker,
     {server("a").reported(res(16, 16)).used(res(12, 0)), server("b").reported(res(8, 8))},
     kTwoByFour,
     "u",
     Placed{"b"}},
    {"equal_cores_more_memory_wins",
     kDocker,
     {server("a").reported(res(8, 8)), server("b").reported(res(8, 16))},
     kTwoByFour,
     "u",
     Placed{"b"}},
    {"equal_cores_and_memory_more_gpus_wins",
     kDocker,
     {server("a").reported(res(8, 8, 1)), server("b").reported(res(8, 8, 2))},
     kTwoByFour,
     "u",
     Placed{"b"}},
    {"equal_free_oldest_wins",
     kDocker,
     {server("a").reported(res(8, 8)).created(7), server("b").reported(res(8, 8)).created(3)},
     kTwoByFour,
     "u",
     Placed{"b"}},
};
INSTANTIATE_TEST_SUITE_P(Order, DockerPlacementTest, ::testing::ValuesIn(kDockerOrderCases),
                         testing_support::case_name);

}  // namespace
}  // namespace corral::broker
