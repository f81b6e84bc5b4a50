// /api/v1/admin-tokens over a real store and AdminAuth: tokens work from the moment they are
// created, stop working the moment they are revoked, and the last one cannot be revoked.
#include <google/protobuf/util/json_util.h>

#include "corral/api/v1/api.pb.h"
#include "manager/api/routes.h"
#include "tests/unit/manager/api/api_fixture.h"

namespace corral::manager {
namespace {

namespace apiv1 = corral::api::v1;

class AdminTokensTest : public testing::ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    api::Router routes;
    api::add_admin_token_routes(routes, core_->store(), *auth_, clock_);
    server_ = std::make_unique<ApiServer>(std::move(routes), *auth_, users_);
  }
  template <typename M>
  M parse(const HttpResponse& r) {
    M out;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &out).ok()) << r.body;
    return out;
  }
  apiv1::ListAdminTokensResponse list() {
    return parse<apiv1::ListAdminTokensResponse>(call(*server_, "GET", "/api/v1/admin-tokens"));
  }

  std::unique_ptr<ApiServer> server_;
};

TEST_F(AdminTokensTest, ACreatedTokenIsShownOnceAndWorksAtOnce) {
  clock_.advance(std::chrono::seconds(1));  // listed by creation time
  HttpResponse r = call(*server_, "POST", "/api/v1/admin-tokens", R"({"name": "ci"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto created = parse<apiv1::AdminToken>(r);
  EXPECT_EQ(created.name(), "ci");
  ASSERT_EQ(created.token().rfind("cadm." + created.id() + ".", 0), 0u) << created.token();
  EXPECT_TRUE(auth_->authorize("Bearer " + created.token()));

  auto all = list();
  ASSERT_EQ(all.admin_tokens_size(), 2);
  EXPECT_EQ(all.admin_tokens(0).name(), "initial");
  EXPECT_EQ(all.admin_tokens(1).name(), "ci");
  for (const auto& t : all.admin_tokens()) EXPECT_TRUE(t.token().empty()) << "a listing never shows a token";
  auto stored = store_->admin_tokens().get(created.id()).value();
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->secret_sha256.find(created.token().substr(created.token().rfind('.') + 1)), std::string::npos);
}

TEST_F(AdminTokensTest, ARevokedTokenIsRefusedFromTheNextRequestOn) {
  auto created = parse<apiv1::AdminToken>(call(*server_, "POST", "/api/v1/admin-tokens", R"({"name": "ci"})"));
  HttpResponse r = call(*server_, "DELETE", "/api/v1/admin-tokens/" + created.id());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse<apiv1::AdminToken>(r).name(), "ci");
  EXPECT_FALSE(auth_->authorize("Bearer " + created.token()));
  EXPECT_FALSE(store_->admin_tokens().get(created.id()).value().has_value());
  EXPECT_EQ(call(*server_, "DELETE", "/api/v1/admin-tokens/" + created.id()).status, 404);
}

TEST_F(AdminTokensTest, TheLastTokenCannotBeRevoked) {
  auto all = list();
  ASSERT_EQ(all.admin_tokens_size(), 1);
  HttpResponse r = call(*server_, "DELETE", "/api/v1/admin-tokens/" + all.admin_tokens(0).id());
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(r.body.find("is the last one"), std::string::npos) << r.body;
  EXPECT_TRUE(auth_->authorize(bearer_));
  EXPECT_EQ(list().admin_tokens_size(), 1);
}

TEST_F(AdminTokensTest, NamesAreRequiredPrintableAndShort) {
  for (const char* body : {R"({})", R"({"name": ""})", R"({"name": "tab\there"})", R"({"name": "esc\u001b[2J"})"}) {
    HttpResponse r = call(*server_, "POST", "/api/v1/admin-tokens", body);
    EXPECT_EQ(r.status, 400) << body << ": " << r.body;
  }
  EXPECT_EQ(call(*server_, "POST", "/api/v1/admin-tokens", R"({"name": ")" + std::string(129, 'n') + R"("})").status,
            400);
  EXPECT_EQ(call(*server_, "POST", "/api/v1/admin-tokens", R"({"nom": "x"})").status, 400);
  EXPECT_EQ(list().admin_tokens_size(), 1) << "nothing was stored";
}

}  // namespace
}  // namespace corral::manager
