// The placement rule in docker agent pools: room is free cores, memory and GPUs (the agent's totals
// or the admin's overrides, less what sessions use) under the server's session maximum, and ties
// go to the most free cores, then memory, then GPUs.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "manager/broker/placement.h"
#include "tests/unit/manager/broker/placement_cases.h"

namespace corral::broker {
namespace {

using testing_support::PlacementCase;
using testing_support::res;
using testing_support::ServerBuilder;

// A docker server that its session maximum does not limit here: room is the resources.
ServerBuilder docker_server(std::string id) { return testing_support::server(std::move(id)).max(100); }

const PoolSpec kDocker{.type = PoolType::docker_agent};
// Two cores and 4 GiB per session.
const WorkspaceDemand kTwoByFour{.need = res(2, 4)};

class DockerPlacementTest : public ::testing::TestWithParam<PlacementCase> {};

TEST_P(DockerPlacementTest, Decides) { testing_support::check_case(GetParam()); }

// Where a row has a "b", "a" has fewer sessions, so "a" is chosen exactly when it has room.
const std::vector<PlacementCase> kRoomCases = {
    {"too_few_free_cores",
     kDocker,
     {docker_server("a").reported(res(4, 8)).used(res(3, 0)),
      docker_server("b").sessions(1).reported(res(4, 8)).used(res(2, 2))},
     kTwoByFour,
     "u",
     Placed{"b"}},
    {"too_little_free_memory",
     kDocker,
     {docker_server("a").reported(res(8, 4)).used(res(0, 1)), docker_server("b").sessions(1).reported(res(4, 8))},
     kTwoByFour,
     "u",
     Placed{"b"}},
    {"gpu_needed",
     kDocker,
     {docker_server("a").reported(res(8, 8)), docker_server("b").sessions(1).reported(res(8, 8, 1))},
     {.need = res(1, 1, 1)},
     "u",
     Placed{"b"}},
    {"exact_fit_is_room",
     kDocker,
     {docker_server("a").reported(res(2, 4)), docker_server("b").sessions(1).reported(res(8, 8))},
     kTwoByFour,
     "u",
     Placed{"a"}},
    {"override_raises_cores",
     kDocker,
     {docker_server("a").reported(res(2, 4)).used(res(2, 0)).overrides(res(8, 0)),
      docker_server("b").sessions(1).reported(res(8, 8))},
     kTwoByFour,
     "u",
     Placed{"a"}},
    {"override_lowers_cores",
     kDocker,
     {docker_server("a").reported(res(16, 64)).overrides(res(1, 0)),
      docker_server("b").sessions(1).reported(res(8, 8))},
     kTwoByFour,
     "u",
     Placed{"b"}},
    {"override_lowers_memory",
     kDocker,
     {docker_server("a").reported(res(16, 64)).overrides(res(0, 2)),
      docker_server("b").sessions(1).reported(res(8, 8))},
     kTwoByFour,
     "u",
     Placed{"b"}},
    {"zero_overrides_use_reported",
     kDocker,
     {docker_server("a").reported(res(2, 4)).overrides(res(0, 0, 0)),
      docker_server("b").sessions(1).reported(res(8, 8))},
     kTwoByFour,
     "u",
     Placed{"a"}},
    {"used_above_override_is_full",
     kDocker,
     {docker_server("a").reported(res(16, 64)).overrides(res(2, 0)).used(res(4, 0)),
      docker_server("b").reported(res(1, 64))},
     kTwoByFour,
     "u",
     NotPlaced{NoPlacementReason::pool_full, {.total = 2, .ready = 2, .full = 2}}},
    {"zero_need_fits_anywhere_ready", kDocker, {docker_server("a")}, {}, "u", Placed{"a"}},
    {"max_sessions_caps_docker_servers_too",
     kDocker,
     {docker_server("a").max(3).sessions(3).reported(res(64, 64)), docker_server("b").sessions(4).reported(res(8, 8))},
     kTwoByFour,
     "u",
     Placed{"b"}},
    {"max_sessions_zero_takes_none",
     kDocker,
     {docker_server("a").max(0).reported(res(64, 64))},
     kTwoByFour,
     "u",
     NotPlaced{NoPlacementReason::pool_full, {.total = 1, .ready = 1, .full = 1}}},
};
INSTANTIATE_TEST_SUITE_P(Room, DockerPlacementTest, ::testing::ValuesIn(kRoomCases), testing_support::case_name);

const std::vector<PlacementCase> kDockerOrderCases = {
    {"fewest_sessions_beats_more_free",
     kDocker,
     {docker_server("a").sessions(1).reported(res(64, 256)), docker_server("b").reported(res(2, 4))},
     kTwoByFour,
     "u",
     Placed{"b"}},
    {"more_free_cores_wins",
     kDocker,
     {docker_server("a").reported(res(4, 64)), docker_server("b").reported(res(8, 8))},
     kTwoByFour,
     "u",
     Placed{"b"}},
    {"free_not_total_counts",
     kDocker,
     {docker_server("a").reported(res(16, 16)).used(res(12, 0)), docker_server("b").reported(res(8, 8))},
     kTwoByFour,
     "u",
     Placed{"b"}},
    {"equal_cores_more_memory_wins",
     kDocker,
     {docker_server("a").reported(res(8, 8)), docker_server("b").reported(res(8, 16))},
     kTwoByFour,
     "u",
     Placed{"b"}},
    {"equal_cores_and_memory_more_gpus_wins",
     kDocker,
     {docker_server("a").reported(res(8, 8, 1)), docker_server("b").reported(res(8, 8, 2))},
     kTwoByFour,
     "u",
     Placed{"b"}},
    {"equal_free_oldest_wins",
     kDocker,
     {docker_server("a").reported(res(8, 8)).created(7), docker_server("b").reported(res(8, 8)).created(3)},
     kTwoByFour,
     "u",
     Placed{"b"}},
};
INSTANTIATE_TEST_SUITE_P(Order, DockerPlacementTest, ::testing::ValuesIn(kDockerOrderCases),
                         testing_support::case_name);

}  // namespace
}  // namespace corral::broker
