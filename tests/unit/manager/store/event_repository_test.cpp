// The event log: ids only grow (also across deletes and reopening), filters, the follow cursor,
// retention and what append refuses.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/manager/store/store_fixture.h"

namespace corral::store {
namespace {

using test_support::SqliteStoreTest;
using EventRepositoryTest = SqliteStoreTest;

using test_support::kNowMs;

EventRecord event(const std::string& kind, int64_t at_ms, const std::string& pool = "", const std::string& config = "",
                  const std::string& server = "") {
  EventRecord e;
  e.kind = kind;
  e.at_ms = at_ms;
  e.pool_id = pool;
  e.autoscale_config_id = config;
  e.server_id = server;
  e.message = kind + " happened";
  return e;
}

std::vector<std::string> kinds(const std::vector<EventRecord>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.kind);
  return out;
}

using Kinds = std::vector<std::string>;

TEST_F(EventRepositoryTest, AppendGivesGrowingIdsAndListReturnsEveryFieldInOrder) {
  auto& events = store_->events();
  EXPECT_EQ(events.last_id().value(), 0);
  EventRecord full = event("autoscale.scale_out", kNowMs, "pool-1", "cfg-1", "srv-1");
  full.vm_id = "vm-9";
  full.severity = EventSeverity::warning;
  int64_t first = events.append(full).value();
  int64_t second = events.append(event("server.created", kNowMs + 1)).value();
  EXPECT_GT(second, first);
  EXPECT_EQ(events.last_id().value(), second);

  auto all = events.list({.limit = 10}).value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, first);
  EXPECT_EQ(all[0].at_ms, kNowMs);
  EXPECT_EQ(all[0].kind, "autoscale.scale_out");
  EXPECT_EQ(all[0].severity, EventSeverity::warning);
  EXPECT_EQ(all[0].pool_id, "pool-1");
  EXPECT_EQ(all[0].autoscale_config_id, "cfg-1");
  EXPECT_EQ(all[0].server_id, "srv-1");
  EXPECT_EQ(all[0].vm_id, "vm-9");
  EXPECT_EQ(all[0].message, "autoscale.scale_out happened");
  EXPECT_EQ(all[1].id, second);
}

TEST_F(EventRepositoryTest, FiltersCombineAndTheCursorSkipsWhatWasSeen) {
  auto& events = store_->events();
  ASSERT_TRUE(events.append(event("a", kNowMs, "p1", "c1", "s1")).ok());
  int64_t b = events.append(event("b", kNowMs, "p1", "c2", "s2")).value();
  ASSERT_TRUE(events.append(event("c", kNowMs, "p2", "c3", "s1")).ok());
  ASSERT_TRUE(events.append(event("d", kNowMs, "p1", "c1", "s3")).ok());

  EXPECT_EQ(kinds(events.list({.pool_id = "p1", .limit = 10}).value()), (Kinds{"a", "b", "d"}));
  EXPECT_EQ(kinds(events.list({.autoscale_config_id = "c1", .limit = 10}).value()), (Kinds{"a", "d"}));
  EXPECT_EQ(kinds(events.list({.server_id = "s1", .limit = 10}).value()), (Kinds{"a", "c"}));
  EXPECT_EQ(kinds(events.list({.pool_id = "p1", .server_id = "s1", .limit = 10}).value()), Kinds{"a"});
  EXPECT_EQ(kinds(events.list({.after_id = b, .limit = 10}).value()), (Kinds{"c", "d"}));
  EXPECT_EQ(kinds(events.list({.limit = 2}).value()), (Kinds{"a", "b"}));
  EXPECT_TRUE(events.list({.pool_id = "nope", .limit = 10}).value().empty());
}

TEST_F(EventRepositoryTest, AnIdIsNeverGivenTwiceAfterDeletesOrAReopen) {
  auto& events = store_->events();
  ASSERT_TRUE(events.append(event("old", kNowMs)).ok());
  int64_t newest = events.append(event("new", kNowMs + 10)).value();
  EXPECT_EQ(events.delete_before(kNowMs + 11).value(), 2);
  EXPECT_TRUE(events.list({.limit = 10}).value().empty());
  EXPECT_EQ(events.last_id().value(), newest);

  reopen();
  int64_t next = store_->events().append(event("after", kNowMs + 20)).value();
  EXPECT_GT(next, newest);
  EXPECT_EQ(store_->events().last_id().value(), next);
}

TEST_F(EventRepositoryTest, RetentionDeletesOnlyOlderEvents) {
  auto& events = store_->events();
  ASSERT_TRUE(events.append(event("old", kNowMs - 1)).ok());
  ASSERT_TRUE(events.append(event("edge", kNowMs)).ok());
  ASSERT_TRUE(events.append(event("young", kNowMs + 1)).ok());
  EXPECT_EQ(events.delete_before(kNowMs).value(), 1);
  EXPECT_EQ(kinds(events.list({.limit = 10}).value()), (Kinds{"edge", "young"}));
}

TEST_F(EventRepositoryTest, AppendRefusesIncompleteEventsAndListNeedsALimit) {
  auto& events = store_->events();
  EventRecord no_kind = event("", kNowMs);
  no_kind.message = "x";
  EXPECT_EQ(events.append(no_kind).status().code(), ErrorCode::invalid_argument);
  EventRecord no_message = event("k", kNowMs);
  no_message.message.clear();
  EXPECT_EQ(events.append(no_message).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(events.append(event("k", 0)).status().code(), ErrorCode::invalid_argument);
  EventRecord with_id = event("k", kNowMs);
  with_id.id = 5;
  EXPECT_EQ(events.append(with_id).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(events.list({}).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(events.last_id().value(), 0);
}

}  // namespace
}  // namespace corral::store
