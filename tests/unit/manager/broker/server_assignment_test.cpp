// Server assignment: an assigned user lands only on their server (or gets the reason it cannot),
// and nobody else ever lands on a server assigned to someone.
#include <gtest/gtest.h>

#include <vector>

#include "manager/broker/placement.h"
#include "tests/unit/manager/broker/placement_cases.h"

namespace corral::broker {
namespace {

using testing_support::PlacementCase;
using testing_support::server;

using testing_support::kAssigning;
const PoolSpec kNotAssigning{.type = PoolType::server};

class ServerAssignmentTest : public ::testing::TestWithParam<PlacementCase> {};

TEST_P(ServerAssignmentTest, Decides) { testing_support::check_case(GetParam()); }

// "a" is always the emptiest unassigned server: the assigned user must not get it.
const std::vector<PlacementCase> kAssignedUserCases = {
    {"own_server_though_busier",
     kAssigning,
     {server("a"), server("b").assigned("alice").sessions(1).max(2)},
     {},
     "alice",
     Placed{"b"}},
    {"own_server_full",
     kAssigning,
     {server("a"), server("b").assigned("alice").sessions(1)},
     {},
     "alice",
     NotPlaced{NoPlacementReason::assigned_server_full, {.total = 2, .not_for_user = 1, .ready = 1, .full = 1}}},
    {"own_server_draining",
     kAssigning,
     {server("a"), server("b").assigned("alice").draining()},
     {},
     "alice",
     NotPlaced{NoPlacementReason::assigned_server_not_ready, {.total = 2, .not_for_user = 1, .draining = 1}}},
    {"own_server_missing",
     kAssigning,
     {server("a"), server("b").assigned("alice").missing()},
     {},
     "alice",
     NotPlaced{NoPlacementReason::assigned_server_not_ready, {.total = 2, .not_for_user = 1, .provisioning = 1}}},
    {"own_server_disconnected",
     kAssigning,
     {server("a"), server("b").assigned("alice").disconnected()},
     {},
     "alice",
     NotPlaced{NoPlacementReason::assigned_server_not_ready, {.total = 2, .not_for_user = 1, .provisioning = 1}}},
    {"own_server_disabled",
     kAssigning,
     {server("a"), server("b").assigned("alice").disabled()},
     {},
     "alice",
     NotPlaced{NoPlacementReason::assigned_server_not_ready, {.total = 2, .not_for_user = 1, .disabled = 1}}},
    {"own_server_excluded_by_labels",
     kAssigning,
     {server("a").labels({"gpu"}), server("b").assigned("alice")},
     {.include_labels = {"gpu"}},
     "alice",
     NotPlaced{NoPlacementReason::assigned_server_excluded, {.total = 2, .not_for_user = 1, .excluded_by_labels = 1}}},
    {"two_own_servers_ranked_as_usual",
     kAssigning,
     {server("a"), server("b").assigned("alice").sessions(1).max(2), server("c").assigned("alice").max(2).created(5)},
     {},
     "alice",
     Placed{"c"}},
    {"two_own_servers_one_full_one_draining",
     kAssigning,
     {server("a"), server("b").assigned("alice").sessions(1), server("c").assigned("alice").draining()},
     {},
     "alice",
     NotPlaced{NoPlacementReason::assigned_server_full,
               {.total = 3, .not_for_user = 1, .draining = 1, .ready = 1, .full = 1}}},
};
INSTANTIATE_TEST_SUITE_P(AssignedUser, ServerAssignmentTest, ::testing::ValuesIn(kAssignedUserCases),
                         testing_support::case_name);

const std::vector<PlacementCase> kOtherUserCases = {
    {"never_on_a_server_assigned_to_someone",
     kAssigning,
     {server("a").assigned("alice"), server("b").sessions(1).max(2)},
     {},
     "bob",
     Placed{"b"}},
    {"pool_full_though_an_assigned_server_has_room",
     kAssigning,
     {server("a").assigned("alice"), server("b").sessions(1)},
     {},
     "bob",
     NotPlaced{NoPlacementReason::pool_full, {.total = 2, .not_for_user = 1, .ready = 1, .full = 1}}},
    {"only_assigned_servers",
     kAssigning,
     {server("a").assigned("alice"), server("b").assigned("carol").labels({"gpu"})},
     {.include_labels = {"gpu"}},
     "bob",
     NotPlaced{NoPlacementReason::no_matching_server, {.total = 2, .not_for_user = 2}}},
    {"no_user_is_an_unassigned_user",
     kAssigning,
     {server("a").assigned("alice"), server("b").sessions(1).max(2)},
     {},
     "",
     Placed{"b"}},
    {"assignment_off_ignores_assigned_servers_for_others",
     kNotAssigning,
     {server("a").assigned("alice"), server("b").sessions(1).max(2)},
     {},
     "bob",
     Placed{"a"}},
    {"assignment_off_does_not_pin_the_assigned_user",
     kNotAssigning,
     {server("a"), server("b").assigned("alice").sessions(1).max(2)},
     {},
     "alice",
     Placed{"a"}},
};
INSTANTIATE_TEST_SUITE_P(OtherUsers, ServerAssignmentTest, ::testing::ValuesIn(kOtherUserCases),
                         testing_support::case_name);

}  // namespace
}  // namespace corral::broker
