// corralctl agents list over a paged GET /api/v1/agents: filters in the query, pages followed
// to the end and printed as they arrive, --limit, and a manager that does not page at all.
#include <gtest/gtest.h>

#include "cli/agent_pager.h"
#include "cli/json_pages.h"
#include "fakes.h"

namespace corral::cli {
namespace {

using testing::FakeTransport;
using testing::Harness;
using testing::response;

std::string agents_page(const std::vector<std::string>& ids, const std::string& next = "") {
  std::string body = R"({"agents":[)";
  for (size_t i = 0; i < ids.size(); ++i) {
    body += (i ? "," : "") + std::string(R"({"id":")") + ids[i] + R"(","hostname":"host-)" + ids[i] +
            R"(","status":"AGENT_STATUS_ONLINE"})";
  }
  body += "]";
  if (!next.empty()) body += R"(,"nextPageToken":")" + next + R"(")";
  return body + "}";
}

Settings agents_settings() {
  Settings s;
  s.server = "https://m.test:8443";
  s.token = "t";
  return s;
}

TEST(AgentsList, FiltersGoInTheQuery) {
  Harness h;
  h.fake.answers.push_back(response(200, agents_page({})));
  ASSERT_EQ(h.run({"agents", "list", "--status", "missing", "--label", "env=prod", "--label", "role=a b&c",
                   "--server-id", "srv/1", "--page-size", "50"}),
            kExitOk)
      << h.err.str();
  EXPECT_EQ(h.only_request().url,
            "https://m.test:8443/api/v1/agents?pageSize=50&status=missing&label=env%3Dprod&label=role%3Da%20b%26c"
            "&serverId=srv%2F1");
}

TEST(AgentsList, NoFlagsSendNoQuery) {
  Harness h;
  h.fake.answers.push_back(response(200, agents_page({"a1"})));
  ASSERT_EQ(h.run({"agents", "list"}), kExitOk) << h.err.str();
  EXPECT_EQ(h.only_request().url, "https://m.test:8443/api/v1/agents");
}

TEST(AgentsList, FollowsPagesAndPrintsEachAsItArrives) {
  Harness h;
  h.fake.answers.push_back(response(200, agents_page({"a1", "a2"}, "p2")));
  h.fake.answers.push_back(response(200, agents_page({"a3"}, "p3")));
  h.fake.answers.push_back(response(200, agents_page({"a4"})));
  std::vector<std::string> printed_before_request;
  h.fake.on_request = [&](const http::Request&) { printed_before_request.push_back(h.out.str()); };

  ASSERT_EQ(h.run({"agents", "list", "--status", "online"}), kExitOk) << h.err.str();
  ASSERT_EQ(h.fake.requests.size(), 3u);
  EXPECT_EQ(h.fake.requests[0].url, "https://m.test:8443/api/v1/agents?status=online");
  EXPECT_EQ(h.fake.requests[1].url, "https://m.test:8443/api/v1/agents?pageToken=p2&status=online");
  EXPECT_EQ(h.fake.requests[2].url, "https://m.test:8443/api/v1/agents?pageToken=p3&status=online");
  // The first page's rows were out before the second page was asked for.
  EXPECT_EQ(printed_before_request[0], "");
  EXPECT_NE(printed_before_request[1].find("host-a2"), std::string::npos) << printed_before_request[1];
  EXPECT_EQ(printed_before_request[1].find("host-a3"), std::string::npos);
  EXPECT_NE(printed_before_request[2].find("host-a3"), std::string::npos);

  EXPECT_EQ(h.out.str(),
            "ID  HOSTNAME  STATUS  OS  VERSION  SESSIONS  LAST SEEN\n"
            "a1  host-a1   online  -   -        -         -\n"
            "a2  host-a2   online  -   -        -         -\n"
            "a3  host-a3   online  -   -        -         -\n"
            "a4  host-a4   online  -   -        -         -\n");
}

TEST(AgentsList, ColumnsOnlyWidenFromPageToPage) {
  Harness h;
  h.fake.answers.push_back(response(200, agents_page({"a1"}, "p2")));
  h.fake.answers.push_back(response(200, agents_page({"agent-with-a-long-id"})));
  ASSERT_EQ(h.run({"agents", "list"}), kExitOk) << h.err.str();
  EXPECT_EQ(h.out.str(),
            "ID  HOSTNAME  STATUS  OS  VERSION  SESSIONS  LAST SEEN\n"
            "a1  host-a1   online  -   -        -         -\n"
            "agent-with-a-long-id  host-agent-with-a-long-id  online  -   -        -         -\n");
}

TEST(AgentsList, LimitStopsEarlyAndAsksForNoMoreThanItWants) {
  Harness h;
  h.fake.answers.push_back(response(200, agents_page({"a1", "a2"}, "p2")));
  h.fake.answers.push_back(response(200, agents_page({"a3", "a4"}, "p3")));
  ASSERT_EQ(h.run({"agents", "list", "--limit", "3", "--page-size", "2"}), kExitOk) << h.err.str();
  ASSERT_EQ(h.fake.requests.size(), 2u);
  EXPECT_EQ(h.fake.requests[0].url, "https://m.test:8443/api/v1/agents?pageSize=2");
  EXPECT_EQ(h.fake.requests[1].url, "https://m.test:8443/api/v1/agents?pageSize=1&pageToken=p2");
  EXPECT_NE(h.out.str().find("host-a3"), std::string::npos);
  EXPECT_EQ(h.out.str().find("host-a4"), std::string::npos) << h.out.str();
}

TEST(AgentsList, AManagerWithoutPagingIsOnePageCutToTheLimit) {
  // Today's manager ignores the query and answers every agent, with no nextPageToken.
  Harness h;
  h.fake.answers.push_back(response(200, agents_page({"a1", "a2", "a3"})));
  ASSERT_EQ(h.run({"agents", "list", "--limit", "2", "--status", "online"}), kExitOk) << h.err.str();
  ASSERT_EQ(h.fake.requests.size(), 1u);
  EXPECT_EQ(h.fake.requests[0].url, "https://m.test:8443/api/v1/agents?pageSize=2&status=online");
  EXPECT_EQ(h.out.str(),
            "ID  HOSTNAME  STATUS  OS  VERSION  SESSIONS  LAST SEEN\n"
            "a1  host-a1   online  -   -        -         -\n"
            "a2  host-a2   online  -   -        -         -\n");
}

TEST(AgentsList, JsonIsOneDocumentOfEveryPage) {
  Harness h;
  h.fake.answers.push_back(
      response(200, R"({"agents":[{"id":"a1","newField":{"x":1}}],"nextPageToken":"p2","extra":true})"));
  h.fake.answers.push_back(response(200, R"({"agents":[{"id":"a2"},{"id":"a3"}]})"));
  ASSERT_EQ(h.run({"agents", "list", "--json", "--limit", "2"}), kExitOk) << h.err.str();
  EXPECT_EQ(h.out.str(),
            "{\n"
            "  \"agents\": [\n"
            "    {\n"
            "      \"id\": \"a1\",\n"
            "      \"newField\": {\n"
            "        \"x\": 1\n"
            "      }\n"
            "    },\n"
            "    {\n"
            "      \"id\": \"a2\"\n"
            "    }\n"
            "  ],\n"
            "  \"extra\": true\n"
            "}\n");
}

TEST(AgentsList, AnErrorOnALaterPageExitsOneAfterTheRowsSoFar) {
  Harness h;
  h.fake.answers.push_back(response(200, agents_page({"a1"}, "p2")));
  h.fake.answers.push_back(response(503, R"({"code":503,"reason":"unavailable","message":"store busy"})"));
  EXPECT_EQ(h.run({"agents", "list"}), kExitApiError);
  EXPECT_NE(h.out.str().find("host-a1"), std::string::npos);
  EXPECT_EQ(h.err.str(), "corralctl: store busy (HTTP 503 unavailable)\n");
}

TEST(AgentPager, ARepeatedPageTokenStopsInsteadOfLoopingForever) {
  FakeTransport fake;
  fake.answers.push_back(response(200, agents_page({"a1"}, "same")));
  ApiClient api(agents_settings(), fake.transport());
  size_t pages = 0;
  Status st = for_each_agent_page(api, {}, 0, [&](const Reply<api::v1::ListAgentsResponse>&) {
    ++pages;
    return Status();
  });
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("same page token twice"), std::string::npos) << st.message();
  EXPECT_EQ(pages, 2u);
  EXPECT_EQ(fake.requests.size(), 2u);
}

TEST(AgentPager, AHandlerErrorStopsThePaging) {
  FakeTransport fake;
  fake.answers.push_back(response(200, agents_page({"a1"}, "p2")));
  ApiClient api(agents_settings(), fake.transport());
  Status st = for_each_agent_page(
      api, {}, 0, [&](const Reply<api::v1::ListAgentsResponse>&) { return error(ErrorCode::internal, "stop"); });
  EXPECT_EQ(st.message(), "stop");
  EXPECT_EQ(fake.requests.size(), 1u);
}

TEST(AgentPager, LargeLimitsLeaveThePageSizeToTheManager) {
  FakeTransport fake;
  fake.answers.push_back(response(200, agents_page({"a1"})));
  ApiClient api(agents_settings(), fake.transport());
  ASSERT_TRUE(for_each_agent_page(api, {}, 5000, [](const auto&) { return Status(); }).ok());
  EXPECT_EQ(fake.requests[0].url, "https://m.test:8443/api/v1/agents");
}

TEST(JsonPages, RefusesPagesThatAreNotObjectsWithAList) {
  JsonPages pages("agents", "nextPageToken");
  EXPECT_FALSE(pages.add("[1,2]", 2).ok());
  EXPECT_FALSE(pages.add("not json", 0).ok());
  EXPECT_FALSE(pages.add(R"({"agents":{}})", 0).ok());
  EXPECT_EQ(pages.document(), R"({"agents":[]})");
  ASSERT_TRUE(pages.add(R"({"nextPageToken":"x"})", 0).ok());  // an empty page leaves the list out
  EXPECT_EQ(pages.document(), R"({"agents":[]})");
}

}  // namespace
}  // namespace corral::cli
