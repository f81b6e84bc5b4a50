// The front door: routing answers, the one access check, sync and async handlers.
#include "manager/api/api_server.h"

#include "manager/net/request_gate.h"
#include "tests/unit/manager/api/api_fixture.h"

namespace corral::manager {
namespace {

class ApiServerTest : public testing::ApiFixture {
 protected:
  api::SyncHandler answer(int status) {
    return [this, status](const api::ApiRequest& r) {
      seen_params_ = r.params;
      HttpResponse out;
      out.status = status;
      return out;
    };
  }

  ApiServer server() {
    api::Router r;
    r.add("GET", "/healthz", api::Access::anyone, answer(200));
    r.add("POST", "/api/v1/enroll", api::Access::join_token, answer(200));
    r.add("GET", "/api/v1/things/{id}", api::Access::admin, answer(200));
    r.add("DELETE", "/api/v1/things/{id}", api::Access::admin, answer(200));
    r.add("GET", "/api/v1/mine/{id}", api::Access::user, [this](const api::ApiRequest& req) {
      seen_user_ = req.user;
      HttpResponse out;
      out.status = 200;
      return out;
    });
    r.add_async("POST", "/api/v1/slow", api::Access::admin,
                [this](const api::ApiRequest&, api::Reply reply) { pending_ = std::move(reply); });
    return ApiServer(std::move(r), *auth_, users_);
  }

  HttpResponse call(const ApiServer& s, const std::string& method, const std::string& path, bool authorized) {
    HttpRequest r = request(method, path);
    if (!authorized) r.authorization.clear();
    std::optional<HttpResponse> out;
    s.handle(r, [&](HttpResponse response) { out = std::move(response); });
    EXPECT_TRUE(out.has_value()) << method << " " << path << " was not answered at once";
    return out.value_or(HttpResponse{});
  }

  HttpResponse call_as(const ApiServer& s, const std::string& method, const std::string& path,
                       const std::string& token) {
    HttpRequest r = request(method, path);
    r.authorization = "Bearer " + token;
    std::optional<HttpResponse> out;
    s.handle(r, [&](HttpResponse response) { out = std::move(response); });
    return out.value_or(HttpResponse{});
  }

  std::map<std::string, std::string, std::less<>> seen_params_;
  std::shared_ptr<const UserIdentity> seen_user_;
  api::Reply pending_;
};

TEST_F(ApiServerTest, AdminRoutesNeedAValidBearerToken) {
  ApiServer s = server();
  HttpResponse r = call(s, "GET", "/api/v1/things/7", false);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(header(r, "WWW-Authenticate"), "Bearer");
  EXPECT_NE(r.body.find("unauthenticated"), std::string::npos);
  EXPECT_NE(r.body.find(kUnauthenticatedMessage), std::string::npos) << "the gate's message: " << r.body;
  EXPECT_TRUE(seen_params_.empty()) << "the handler must not run";

  HttpRequest wrong;
  wrong.method = "GET";
  wrong.path = "/api/v1/things/7";
  wrong.authorization = bearer_ + "x";
  int status = 0;
  s.handle(wrong, [&](const HttpResponse& out) { status = out.status; });
  EXPECT_EQ(status, 401);

  EXPECT_EQ(call(s, "GET", "/api/v1/things/7", true).status, 200);
  EXPECT_EQ(seen_params_.at("id"), "7");
}

TEST_F(ApiServerTest, AUserTokenReachesUserRoutesAsItsUserAndIsRefusedAdminRoutes) {
  ApiServer s = server();
  const std::string token = users_.issue({"alice", "CN=alice,DC=example,DC=local", {}}).token;
  EXPECT_EQ(call_as(s, "GET", "/api/v1/mine/1", token).status, 200);
  ASSERT_NE(seen_user_, nullptr);
  EXPECT_EQ(seen_user_->username, "alice");

  HttpResponse admin_only = call_as(s, "DELETE", "/api/v1/things/7", token);
  EXPECT_EQ(admin_only.status, 403);
  EXPECT_NE(admin_only.body.find("needs an admin token"), std::string::npos) << admin_only.body;
  EXPECT_TRUE(seen_params_.empty()) << "the admin handler must not run";

  // An admin on a user route is nobody's user: the handler sees no identity and scopes nothing.
  seen_user_ = nullptr;
  EXPECT_EQ(call(s, "GET", "/api/v1/mine/1", true).status, 200);
  EXPECT_EQ(seen_user_, nullptr);
  EXPECT_EQ(call(s, "GET", "/api/v1/mine/1", false).status, 401);
}

TEST_F(ApiServerTest, AnExpiredUserTokenIsRefusedEverywhere) {
  ApiServer s = server();
  const std::string token = users_.issue({"alice", "CN=alice,DC=example,DC=local", {}}).token;
  clock_.advance(std::chrono::hours(1));
  HttpResponse r = call_as(s, "GET", "/api/v1/mine/1", token);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(header(r, "WWW-Authenticate"), "Bearer");
  EXPECT_EQ(call_as(s, "DELETE", "/api/v1/things/7", token).status, 401);
}

TEST_F(ApiServerTest, PublicAndJoinTokenRoutesNeedNoAdminToken) {
  ApiServer s = server();
  EXPECT_EQ(call(s, "GET", "/healthz", false).status, 200);
  EXPECT_EQ(call(s, "POST", "/api/v1/enroll", false).status, 200);
}

TEST_F(ApiServerTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  ApiServer s = server();
  HttpResponse missing = call(s, "GET", "/api/v1/nothing", true);
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("no route for /api/v1/nothing"), std::string::npos);

  HttpResponse wrong = call(s, "PUT", "/api/v1/things/7", true);
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(header(wrong, "Allow"), "DELETE, GET");
  EXPECT_NE(wrong.body.find("PUT is not allowed on /api/v1/things/7"), std::string::npos) << wrong.body;
}

TEST_F(ApiServerTest, MalformedPathIs400) {
  ApiServer s = server();
  HttpResponse r = call(s, "GET", "/api/v1/things/%zz", true);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("percent-encoding"), std::string::npos) << r.body;
}

TEST_F(ApiServerTest, AsyncRoutesAnswerWhenTheirHandlerReplies) {
  ApiServer s = server();
  HttpRequest r;
  r.method = "POST";
  r.path = "/api/v1/slow";
  r.authorization = bearer_;
  std::optional<HttpResponse> out;
  s.handle(r, [&](HttpResponse response) { out = std::move(response); });
  EXPECT_FALSE(out.has_value());
  ASSERT_TRUE(pending_);
  HttpResponse later;
  later.status = 201;
  pending_(later);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->status, 201);
}

}  // namespace
}  // namespace corral::manager
