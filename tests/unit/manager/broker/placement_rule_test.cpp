// The placement rule in server pools, one row per clause of docs/placement.md: labels, readiness,
// maxima, and the order among eligible servers.
#include <gtest/gtest.h>

#include <vector>

#include "manager/broker/placement.h"
#include "tests/unit/manager/broker/placement_cases.h"

namespace corral::broker {
namespace {

using testing_support::PlacementCase;
using testing_support::server;

using testing_support::kPool;
const PoolSpec kLabPool{.type = PoolType::server, .labels = {"site=lab"}};

WorkspaceDemand include(Labels labels) { return {.include_labels = std::move(labels)}; }
WorkspaceDemand exclude(Labels labels) { return {.exclude_labels = std::move(labels)}; }

class PlacementRuleTest : public ::testing::TestWithParam<PlacementCase> {};

TEST_P(PlacementRuleTest, Decides) { testing_support::check_case(GetParam()); }

const std::vector<PlacementCase> kLabelCases = {
    {"include_label_required", kPool, {server("a"), server("b").labels({"gpu"})}, include({"gpu"}), "u", Placed{"b"}},
    {"every_include_label_required",
     kPool,
     {server("a").labels({"gpu"}), server("b").labels({"gpu", "win"}).sessions(1).max(2)},
     include({"win", "gpu"}),
     "u",
     Placed{"b"}},
    {"exclude_label_keeps_a_less_loaded_server_out",
     kPool,
     {server("a").labels({"gpu"}), server("b").sessions(1).max(2)},
     exclude({"gpu"}),
     "u",
     Placed{"b"}},
    {"exclude_wins_over_include",
     kPool,
     {server("a").labels({"gpu", "win"})},
     {.include_labels = {"gpu"}, .exclude_labels = {"win"}},
     "u",
     NotPlaced{NoPlacementReason::no_matching_server, {.total = 1, .excluded_by_labels = 1}}},
    {"pool_label_satisfies_include", kLabPool, {server("a")}, include({"site=lab"}), "u", Placed{"a"}},
    {"pool_label_counts_for_exclude",
     kLabPool,
     {server("a"), server("b").labels({"gpu"})},
     exclude({"site=lab"}),
     "u",
     NotPlaced{NoPlacementReason::no_matching_server, {.total = 2, .excluded_by_labels = 2}}},
    {"label_order_and_duplicates_do_not_matter",
     kPool,
     {server("a").labels({"y", "x", "x"})},
     include({"x", "y", "x"}),
     "u",
     Placed{"a"}},
    {"labels_match_whole_tokens_only",
     kPool,
     {server("a").labels({"site=lab2"})},
     include({"site=lab"}),
     "u",
     NotPlaced{NoPlacementReason::no_matching_server, {.total = 1, .excluded_by_labels = 1}}},
};
INSTANTIATE_TEST_SUITE_P(Labels, PlacementRuleTest, ::testing::ValuesIn(kLabelCases), testing_support::case_name);

// In each row the server that is not ready is the emptiest, so only readiness keeps it out.
const std::vector<PlacementCase> kReadinessCases = {
    {"draining_takes_none", kPool, {server("a").draining(), server("b").sessions(1).max(2)}, {}, "u", Placed{"b"}},
    {"missing_takes_none", kPool, {server("a").missing(), server("b").sessions(1).max(2)}, {}, "u", Placed{"b"}},
    {"disconnected_takes_none",
     kPool,
     {server("a").disconnected(), server("b").sessions(1).max(2)},
     {},
     "u",
     Placed{"b"}},
    {"disabled_takes_none", kPool, {server("a").disabled(), server("b").sessions(1).max(2)}, {}, "u", Placed{"b"}},
    {"none_ready",
     kPool,
     {server("a").draining(), server("b").missing(), server("c").disconnected(), server("d").disabled().draining()},
     {},
     "u",
     NotPlaced{NoPlacementReason::no_ready_server, {.total = 4, .disabled = 1, .draining = 1, .provisioning = 2}}},
};
INSTANTIATE_TEST_SUITE_P(Readiness, PlacementRuleTest, ::testing::ValuesIn(kReadinessCases),
                         testing_support::case_name);

const std::vector<PlacementCase> kMaximumCases = {
    {"full_server_skipped_though_least_loaded",
     kPool,
     {server("a").sessions(1).max(1), server("b").sessions(2).max(4)},
     {},
     "u",
     Placed{"b"}},
    {"last_free_slot_taken", kPool, {server("a").sessions(3).max(4)}, {}, "u", Placed{"a"}},
    {"max_zero_takes_none",
     kPool,
     {server("a").max(0)},
     {},
     "u",
     NotPlaced{NoPlacementReason::pool_full, {.total = 1, .ready = 1, .full = 1}}},
    {"above_max_counts_as_full",
     kPool,
     {server("a").sessions(5).max(2), server("b").sessions(1).max(1)},
     {},
     "u",
     NotPlaced{NoPlacementReason::pool_full, {.total = 2, .ready = 2, .full = 2}}},
    {"server_pool_ignores_resources",
     kPool,
     {server("a")},
     {.need = testing_support::res(64, 512, 8)},
     "u",
     Placed{"a"}},
};
INSTANTIATE_TEST_SUITE_P(Maxima, PlacementRuleTest, ::testing::ValuesIn(kMaximumCases), testing_support::case_name);

const std::vector<PlacementCase> kServerOrderCases = {
    {"fewest_sessions_beats_more_free_slots",
     kPool,
     {server("a").sessions(2).max(10), server("b").sessions(1).max(2)},
     {},
     "u",
     Placed{"b"}},
    {"equal_load_more_free_slots_wins",
     kPool,
     {server("a").sessions(1).max(2), server("b").sessions(1).max(4)},
     {},
     "u",
     Placed{"b"}},
    {"more_free_slots_beats_older",
     kPool,
     {server("a").max(2).created(1), server("b").max(3).created(9)},
     {},
     "u",
     Placed{"b"}},
    {"equal_load_and_free_oldest_wins",
     kPool,
     {server("a").max(2).created(20), server("b").max(2).created(10), server("c").max(2).created(30)},
     {},
     "u",
     Placed{"b"}},
    {"all_equal_smallest_id_wins",
     kPool,
     {server("srv-2").created(5), server("srv-10").created(5), server("srv-3").created(5)},
     {},
     "u",
     Placed{"srv-10"}},
    {"empty_pool", kPool, {}, {}, "u", NotPlaced{NoPlacementReason::pool_empty, {}}},
};
INSTANTIATE_TEST_SUITE_P(Order, PlacementRuleTest, ::testing::ValuesIn(kServerOrderCases), testing_support::case_name);

}  // namespace
}  // namespace corral::broker
