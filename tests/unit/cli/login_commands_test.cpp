// corralctl login / logout against a fake manager: the password is read from stdin and sent once,
// the token lands in the user's config directory with mode 0600 and is sent by later commands
// when no admin token is set, and logout forgets it on the manager and on disk.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "tests/unit/cli/fakes.h"

namespace corral::cli::testing {
namespace {

constexpr char kUserToken[] = "cusr.abc.user-secret";

class LoginCommandsTest : public ::testing::Test {
 protected:
  LoginCommandsTest() {
    h_.env = {{"CORRAL_SERVER", kBase}, {"XDG_CONFIG_HOME", dir_.path()}};
    token_file_ = dir_.path() + "/corral/user.token";
  }
  void sign_in() {
    h_.in.clear();
    h_.in.str("Corral-User-1!\n");
    h_.fake.answers = {response(200, R"({"token":"cusr.abc.user-secret","username":"alice",)"
                                     R"("expiresAt":"2023-11-14T23:13:20Z","groups":["Staff"]})")};
    ASSERT_EQ(h_.run({"login", "alice", "--password-stdin"}), kExitOk) << h_.err.str();
  }

  ScratchDir dir_;
  Harness h_;
  std::string token_file_;
};

TEST_F(LoginCommandsTest, SignsInOnceAndKeepsTheTokenPrivate) {
  sign_in();
  const http::Request& sent = h_.fake.requests.at(0);
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, kBase + "/api/v1/auth/login");
  EXPECT_EQ(header_of(sent, "Authorization"), "") << "sign-in sends no token";
  EXPECT_NE(sent.body.find("\"password\":\"Corral-User-1!\""), std::string::npos) << "the final line break dropped";
  EXPECT_NE(h_.out.str().find("signed in as alice"), std::string::npos) << h_.out.str();
  EXPECT_EQ(h_.out.str().find("user-secret"), std::string::npos) << "the token is kept, not printed";
  EXPECT_EQ(or_else(read_file(token_file_), ""), std::string(kUserToken) + "\n");
  struct stat st {};
  ASSERT_EQ(::stat(token_file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(LoginCommandsTest, LaterCommandsSendTheUserTokenWhenNoAdminTokenIsSet) {
  sign_in();
  Harness later;
  later.env = h_.env;
  later.fake.answers = {response(200, R"({"workspaces":[]})")};
  ASSERT_EQ(later.run({"workspaces", "list"}), kExitOk) << later.err.str();
  EXPECT_EQ(header_of(later.fake.requests.at(0), "Authorization"), std::string("Bearer ") + kUserToken);

  Harness admin;
  admin.env = h_.env;
  admin.env["CORRAL_TOKEN"] = kToken;
  admin.fake.answers = {response(200, R"({"workspaces":[]})")};
  ASSERT_EQ(admin.run({"workspaces", "list"}), kExitOk) << admin.err.str();
  EXPECT_EQ(header_of(admin.fake.requests.at(0), "Authorization"), std::string("Bearer ") + kToken)
      << "an admin token wins";
}

TEST_F(LoginCommandsTest, NothingIsSentWithoutAPassword) {
  h_.in.str("");
  EXPECT_EQ(h_.run({"login", "alice", "--password-stdin"}), kExitApiError);
  EXPECT_TRUE(h_.fake.requests.empty());
  EXPECT_FALSE(file_exists(token_file_));
}

TEST_F(LoginCommandsTest, LogoutForgetsTheTokenOnTheManagerAndOnDisk) {
  sign_in();
  Harness out;
  out.env = h_.env;
  out.fake.answers = {response(204, "")};
  ASSERT_EQ(out.run({"logout"}), kExitOk) << out.err.str();
  const http::Request& sent = out.fake.requests.at(0);
  EXPECT_EQ(sent.url, kBase + "/api/v1/auth/logout");
  EXPECT_EQ(header_of(sent, "Authorization"), std::string("Bearer ") + kUserToken);
  EXPECT_FALSE(file_exists(token_file_));

  // Unreachable manager: the file goes all the same.
  sign_in();
  Harness offline;
  offline.env = h_.env;
  offline.fake.answers = {error(ErrorCode::unavailable, "connection refused")};
  EXPECT_EQ(offline.run({"logout"}), kExitOk);
  EXPECT_FALSE(file_exists(token_file_));
  EXPECT_NE(offline.err.str().find("expires by itself"), std::string::npos) << offline.err.str();
}

}  // namespace
}  // namespace corral::cli::testing
