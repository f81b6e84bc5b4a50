// User tokens: the secret is checked against its hash, the token expires with the injected clock,
// sign-out forgets it, and one user's tokens cannot grow the table without end.
#include "manager/api/user_auth.h"

#include <gtest/gtest.h>

namespace corral::manager {
namespace {

using namespace std::chrono_literals;

directory::DirectoryUser alice() {
  return {"alice", "CN=Alice,CN=Users,DC=example,DC=local", {{"CN=Staff,DC=example,DC=local", "Staff"}}};
}

TEST(UserAuth, ATokenNamesItsUserUntilItExpires) {
  ManualClock clock;
  UserAuth users(clock, 60s);
  UserAuth::Issued issued = users.issue(alice());
  ASSERT_TRUE(issued.token.starts_with("cusr."));
  auto who = users.authenticate("Bearer " + issued.token);
  ASSERT_NE(who, nullptr);
  EXPECT_EQ(who->username, "alice");
  EXPECT_EQ(who->groups.at(0).name, "Staff");
  EXPECT_EQ(who->expires_at, clock.now() + 60s);

  clock.advance(59s);
  EXPECT_NE(users.authenticate("Bearer " + issued.token), nullptr);
  clock.advance(1s);
  EXPECT_EQ(users.authenticate("Bearer " + issued.token), nullptr) << "expired at exactly its lifetime";
}

TEST(UserAuth, RefusesWhatIsNotExactlyAToken) {
  ManualClock clock;
  UserAuth users(clock, 60s);
  const std::string token = users.issue(alice()).token;
  EXPECT_EQ(users.authenticate(token), nullptr) << "no Bearer";
  EXPECT_EQ(users.authenticate("Bearer " + token + "x"), nullptr);
  EXPECT_EQ(users.authenticate("Bearer " + token.substr(0, token.size() - 1)), nullptr);
  EXPECT_EQ(users.authenticate("Bearer cadm." + token.substr(5)), nullptr) << "an admin prefix";
  EXPECT_EQ(users.authenticate("Bearer cusr.unknown.secret"), nullptr);
}

TEST(UserAuth, SignOutForgetsTheToken) {
  ManualClock clock;
  UserAuth users(clock, 60s);
  auto a = users.issue(alice());
  auto b = users.issue(alice());
  users.revoke(a.identity->token_id);
  EXPECT_EQ(users.authenticate("Bearer " + a.token), nullptr);
  EXPECT_NE(users.authenticate("Bearer " + b.token), nullptr);
}

TEST(UserAuth, AUserKeepsOnlyTheNewestTokens) {
  ManualClock clock;
  UserAuth users(clock, 3600s);
  std::vector<std::string> tokens;
  for (size_t i = 0; i < UserAuth::kMaxTokensPerUser + 2; ++i) {
    tokens.push_back(users.issue(alice()).token);
    clock.advance(1s);
  }
  EXPECT_EQ(users.authenticate("Bearer " + tokens[0]), nullptr);
  EXPECT_EQ(users.authenticate("Bearer " + tokens[1]), nullptr);
  EXPECT_NE(users.authenticate("Bearer " + tokens[2]), nullptr);
  EXPECT_NE(users.authenticate("Bearer " + tokens.back()), nullptr);
}

}  // namespace
}  // namespace corral::manager
