// corralctl admin-tokens against the contract of /api/v1/admin-tokens: create shows the secret
// once with a warning, list never has one, revoke of the last token is the manager's 409.
#include <gtest/gtest.h>

#include "fakes.h"

namespace corral::cli {
namespace {

using testing::FakeTransport;
using testing::Harness;
using testing::kToken;
using testing::response;

TEST(AdminTokens, ClientEndpoints) {
  FakeTransport fake;
  fake.answers.push_back(response(201, R"({"id":"at-2","name":"ci","token":"cadm.at-2.secret"})"));
  fake.answers.push_back(response(200, R"({"adminTokens":[{"id":"at-1","name":"first"}]})"));
  fake.answers.push_back(response(200, R"({"id":"at/1","name":"first"})"));
  Settings settings;
  settings.server = "https://m.test:8443";
  settings.token = kToken;
  ApiClient api(settings, fake.transport());

  api::v1::CreateAdminTokenRequest create;
  create.set_name("ci");
  auto created = api.create_admin_token(create);
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(created->message.token(), "cadm.at-2.secret");
  auto listed = api.list_admin_tokens();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->message.admin_tokens_size(), 1);
  ASSERT_TRUE(api.revoke_admin_token("at/1").ok());

  ASSERT_EQ(fake.requests.size(), 3u);
  EXPECT_EQ(fake.requests[0].method, "POST");
  EXPECT_EQ(fake.requests[0].url, "https://m.test:8443/api/v1/admin-tokens");
  EXPECT_EQ(fake.requests[0].body, R"({"name":"ci"})");
  EXPECT_EQ(fake.requests[1].method, "GET");
  EXPECT_EQ(fake.requests[1].url, "https://m.test:8443/api/v1/admin-tokens");
  EXPECT_EQ(fake.requests[2].method, "DELETE");
  EXPECT_EQ(fake.requests[2].url, "https://m.test:8443/api/v1/admin-tokens/at%2F1");
  for (const auto& r : fake.requests)
    EXPECT_EQ(testing::header_of(r, "Authorization"), std::string("Bearer ") + kToken);
}

TEST(AdminTokens, CreateShowsTheSecretOnceWithAWarning) {
  Harness h;
  h.fake.answers.push_back(
      response(201, R"({"id":"at-2","name":"ci","createdAt":"2023-11-14T22:13:20Z","token":"cadm.at-2.secret"})"));
  ASSERT_EQ(h.run({"admin-tokens", "create", "ci"}), kExitOk) << h.err.str();
  EXPECT_EQ(h.out.str(),
            "token:   cadm.at-2.secret\n"
            "id:      at-2\n"
            "name:    ci\n"
            "created: 2023-11-14T22:13:20Z (0s ago)\n");
  EXPECT_NE(h.err.str().find("Store the token now"), std::string::npos);
}

TEST(AdminTokens, CreateWithJsonKeepsStdoutJsonAndStillWarns) {
  Harness h;
  h.fake.answers.push_back(response(201, R"({"id":"at-2","name":"ci","token":"cadm.at-2.secret"})"));
  ASSERT_EQ(h.run({"admin-tokens", "create", "ci", "--json"}), kExitOk) << h.err.str();
  EXPECT_EQ(h.out.str(), "{\n  \"id\": \"at-2\",\n  \"name\": \"ci\",\n  \"token\": \"cadm.at-2.secret\"\n}\n");
  EXPECT_NE(h.err.str().find("Store the token now"), std::string::npos);
}

TEST(AdminTokens, ListIsATableWithoutSecrets) {
  Harness h;
  h.fake.answers.push_back(response(200, R"({"adminTokens":[
      {"id":"at-1","name":"first","createdAt":"2023-11-11T22:13:20Z"},
      {"id":"at-2","name":"ci\u001b[2J","createdAt":"2023-11-14T22:13:20Z"}]})"));
  ASSERT_EQ(h.run({"admin-tokens", "list"}), kExitOk) << h.err.str();
  EXPECT_EQ(h.out.str(),
            "ID    NAME       CREATED\n"
            "at-1  first      2023-11-11T22:13:20Z (3d ago)\n"
            "at-2  ci\\x1b[2J  2023-11-14T22:13:20Z (0s ago)\n");
}

TEST(AdminTokens, RevokeSaysWhichTokenWent) {
  Harness h;
  h.fake.answers.push_back(response(200, R"({"id":"at-1","name":"first"})"));
  ASSERT_EQ(h.run({"admin-tokens", "revoke", "at-1"}), kExitOk) << h.err.str();
  EXPECT_EQ(h.only_request().method, "DELETE");
  EXPECT_EQ(h.out.str(), "admin token at-1 (first) revoked\n");
}

TEST(AdminTokens, RevokingTheLastTokenIsTheManagersConflict) {
  Harness h;
  h.fake.answers.push_back(
      response(409, R"({"code":409,"reason":"failed_precondition","message":"at-1 is the last admin token"})"));
  EXPECT_EQ(h.run({"admin-tokens", "revoke", "at-1"}), kExitApiError);
  EXPECT_EQ(h.err.str(), "corralctl: at-1 is the last admin token (HTTP 409 failed_precondition)\n");
  EXPECT_EQ(h.out.str(), "");
}

}  // namespace
}  // namespace corral::cli
