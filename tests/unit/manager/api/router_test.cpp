#include "manager/api/router.h"

#include <gtest/gtest.h>

namespace corral::manager::api {
namespace {

using Kind = Router::Match::Kind;

SyncHandler answer(int status) {
  return [status](const ApiRequest&) {
    HttpResponse r;
    r.status = status;
    return r;
  };
}

Router table() {
  Router r;
  r.add("GET", "/healthz", Access::anyone, answer(200));
  r.add("GET", "/api/v1/agents", Access::admin, answer(200));
  r.add("GET", "/api/v1/agents/{id}", Access::admin, answer(201));
  r.add("DELETE", "/api/v1/agents/{id}", Access::admin, answer(202));
  r.add("POST", "/api/v1/agents/{id}/commands", Access::admin, answer(203));
  r.add("POST", "/api/v1/enroll", Access::join_token, answer(204));
  r.add("GET", "/api/v1/enroll/ca", Access::anyone, answer(205));
  return r;
}

TEST(RouterTest, LiteralRoutesMatchExactly) {
  Router r = table();
  auto m = r.match("GET", "/healthz");
  ASSERT_EQ(m.kind, Kind::found);
  EXPECT_EQ(m.route->pattern, "/healthz");
  EXPECT_EQ(m.route->access, Access::anyone);
  EXPECT_EQ(r.match("GET", "/healthz/more").kind, Kind::not_found);
  EXPECT_EQ(r.match("GET", "/health").kind, Kind::not_found);
  EXPECT_EQ(r.match("GET", "/").kind, Kind::not_found);
}

TEST(RouterTest, CapturesArePercentDecoded) {
  Router r = table();
  auto m = r.match("POST", "/api/v1/agents/a%20b%2Bc/commands");
  ASSERT_EQ(m.kind, Kind::found);
  EXPECT_EQ(m.route->pattern, "/api/v1/agents/{id}/commands");
  EXPECT_EQ(m.params.at("id"), "a b+c");
}

TEST(RouterTest, EmptySegmentsAndTrailingSlashesAreIgnored) {
  Router r = table();
  EXPECT_EQ(r.match("GET", "/api//v1/agents/").kind, Kind::found);
  auto m = r.match("GET", "//api/v1/agents/x//");
  ASSERT_EQ(m.kind, Kind::found);
  EXPECT_EQ(m.params.at("id"), "x");
}

TEST(RouterTest, AKnownPathWithAnotherMethodIs405WithTheAllowedMethods) {
  Router r = table();
  auto m = r.match("PUT", "/api/v1/agents/abc");
  ASSERT_EQ(m.kind, Kind::method_not_allowed);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"DELETE", "GET"}));
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(r.match("GET", "/api/v1/agents/abc/commands").allowed, std::vector<std::string>{"POST"});
}

TEST(RouterTest, LiteralSegmentsWinOverCaptures) {
  Router r;
  r.add("GET", "/things/{id}", Access::admin, answer(200));
  r.add("GET", "/things/special", Access::anyone, answer(201));
  auto m = r.match("GET", "/things/special");
  ASSERT_EQ(m.kind, Kind::found);
  EXPECT_EQ(m.route->pattern, "/things/special");
  EXPECT_TRUE(m.params.empty());
  EXPECT_EQ(r.match("GET", "/things/other").route->pattern, "/things/{id}");
}

TEST(RouterTest, MalformedEscapesAndEncodedSlashesAreBadPaths) {
  Router r = table();
  EXPECT_EQ(r.match("GET", "/api/v1/agents/%zz").kind, Kind::bad_path);
  EXPECT_EQ(r.match("GET", "/api/v1/agents/%4").kind, Kind::bad_path);
  EXPECT_EQ(r.match("GET", "/api/v1/agents/a%2Fb").kind, Kind::bad_path);
  EXPECT_EQ(r.match("GET", "/api/v1/agents/a%0Ab").kind, Kind::bad_path);
  EXPECT_FALSE(r.match("GET", "/api/v1/agents/%zz").problem.empty());
}

TEST(RouterTest, HandlersAreKeptWithTheirRoute) {
  Router r = table();
  HttpRequest http;
  auto m = r.match("DELETE", "/api/v1/agents/x");
  ApiRequest req{http, m.params};
  EXPECT_EQ(std::get<SyncHandler>(m.route->handler)(req).status, 202);
  EXPECT_EQ(req.param("id"), "x");
  EXPECT_EQ(req.param("missing"), "");
}

using RouterDeathTest = ::testing::Test;

TEST_F(RouterDeathTest, OverlappingOrMalformedPatternsAbortAtStart) {
  EXPECT_DEATH(
      {
        Router r;
        r.add("GET", "/a/{id}", Access::admin, answer(200));
        r.add("GET", "/a/{name}", Access::admin, answer(200));
      },
      "api.bad_route.*overlaps GET /a/\\{id\\}");
  EXPECT_DEATH(Router().add("GET", "relative", Access::admin, answer(200)), "not absolute");
  EXPECT_DEATH(Router().add("GET", "/a//b", Access::admin, answer(200)), "empty segment");
}

}  // namespace
}  // namespace corral::manager::api
