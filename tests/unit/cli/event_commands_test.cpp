// corralctl events against a fake manager: one pass over the log with its filters, a full page
// asked again at once, and --follow asking for what came after the last event, waiting only when
// nothing came, until the manager cannot be reached.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>

#include "fakes.h"

namespace corral::cli {
namespace {

using testing::Harness;
using testing::response;

using testing::kBase;

std::string page(const std::string& events, int64_t next_since) {
  return R"({"events":[)" + events + R"(],"nextSince":")" + std::to_string(next_since) + R"("})";
}

std::string event(int64_t id, const std::string& kind, const std::string& message,
                  const std::string& severity = "EVENT_SEVERITY_INFO") {
  return R"({"id":")" + std::to_string(id) + R"(","time":"2026-12-07T03:21:33.269Z","kind":")" + kind +
         R"(","severity":")" + severity + R"(","serverId":"s-1","message":")" + message + R"("})";
}

TEST(EventCommands, ListsOnceWithItsFilters) {
  Harness h;
  h.fake.answers.push_back(
      response(200, page(event(4, "server.created", "server h9 created") + "," +
                             event(7, "server.draining", "server h9 is draining", "EVENT_SEVERITY_WARNING"),
                         7)));
  ASSERT_EQ(h.run({"events", "--server", "s-1", "--autoscale-config", "c-1"}), kExitOk) << h.err.str();
  ASSERT_EQ(h.fake.requests.size(), 1u);
  EXPECT_EQ(h.fake.requests[0].url, kBase + "/api/v1/events?autoscaleConfigId=c-1&serverId=s-1&since=0&pageSize=500");
  EXPECT_EQ(h.out.str(),
            "2026-12-07T03:21:33Z  info     server.created  server h9 created\n"
            "2026-12-07T03:21:33Z  warning  server.draining  server h9 is draining\n");
  EXPECT_TRUE(h.pauses.empty());
}

TEST(EventCommands, JsonPrintsOneEventPerLine) {
  Harness h;
  h.fake.answers.push_back(response(200, page(event(4, "server.created", "m"), 4)));
  ASSERT_EQ(h.run({"--json", "events", "--since", "3"}), kExitOk) << h.err.str();
  EXPECT_EQ(h.fake.requests[0].url, kBase + "/api/v1/events?since=3&pageSize=500");
  EXPECT_EQ(nlohmann::json::parse(h.out.str())["kind"], "server.created");
}

TEST(EventCommands, FollowAsksAfterTheLastEventAndWaitsOnlyWhenNothingCame) {
  Harness h;
  std::string full;
  for (int i = 1; i <= 500; ++i) full += (i > 1 ? "," : "") + event(i, "k", "e" + std::to_string(i));
  h.fake.answers.push_back(response(200, page("", 900)));                         // since=now: the end
  h.fake.answers.push_back(response(200, page(full, 1400)));                      // a full page
  h.fake.answers.push_back(response(200, page(event(1401, "last", "x"), 1401)));  // asked at once
  h.fake.answers.push_back(response(200, page("", 1401)));                        // nothing: wait
  h.fake.answers.push_back(response(503, R"({"reason":"unavailable","message":"shutting down"})"));
  EXPECT_EQ(h.run({"events", "--follow", "--since", "now"}), kExitApiError);
  ASSERT_EQ(h.fake.requests.size(), 5u);
  EXPECT_EQ(h.fake.requests[0].url, kBase + "/api/v1/events?since=now&pageSize=500");
  EXPECT_EQ(h.fake.requests[1].url, kBase + "/api/v1/events?since=900&pageSize=500");
  EXPECT_EQ(h.fake.requests[2].url, kBase + "/api/v1/events?since=1400&pageSize=500");
  EXPECT_EQ(h.fake.requests[3].url, kBase + "/api/v1/events?since=1401&pageSize=500");
  EXPECT_EQ(h.fake.requests[4].url, kBase + "/api/v1/events?since=1401&pageSize=500");
  // Waits after the empty answers only (the first and the fourth).
  EXPECT_EQ(h.pauses.size(), 2u);
  const std::string printed = h.out.str();
  EXPECT_EQ(std::count(printed.begin(), printed.end(), '\n'), 501);
  EXPECT_NE(h.err.str().find("shutting down"), std::string::npos) << h.err.str();
}

}  // namespace
}  // namespace corral::cli
