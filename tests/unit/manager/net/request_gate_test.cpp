// The manager's request gate over real admin tokens: public routes pass without one, everything
// else needs one, and tokens the core adds or removes are seen by the network thread at once
// without a lock (run under TSan to prove the snapshot swap race-free).
#include "manager/net/request_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/encoding.h"
#include "common/files.h"
#include "manager/api/admin_auth.h"
#include "manager/store/sqlite_store.h"
#include "tests/unit/manager/store/temp_dir.h"

namespace corral::manager {
namespace {

class RequestGateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::SqliteStore::open(dir_.file("corral.db"));
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(store).value();
    auth_ = std::make_unique<AdminAuth>();
    ASSERT_TRUE(auth_->initialize(*store_, dir_.file("admin.token"), clock_).ok());
    auto token = read_file(dir_.file("admin.token"));
    ASSERT_TRUE(token.ok());
    token_ = token->substr(0, token->find('\n'));
    gate_ = std::make_unique<BearerTokenGate>(
        std::vector<BearerTokenGate::PublicRoute>{
            {"GET", "/healthz", 0}, {"POST", "/api/v1/enroll", 65536}, {"GET", "/downloads/{name}", 0}},
        [this](std::string_view header) { return auth_->authorize(header); });
  }

  GateVerdict admit(std::string_view method, std::string_view path, const std::string& authorization = "") {
    return gate_->admit(RequestHead{method, path, authorization, "127.0.0.1"});
  }

  store::test_support::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<AdminAuth> auth_;
  std::unique_ptr<BearerTokenGate> gate_;
  std::string token_;
};

TEST_F(RequestGateTest, PublicRoutesPassWithoutATokenAndKeepTheirBodyLimit) {
  EXPECT_TRUE(admit("GET", "/healthz").admitted);
  GateVerdict enroll = admit("POST", "/api/v1/enroll");
  EXPECT_TRUE(enroll.admitted);
  EXPECT_EQ(enroll.max_body_bytes, 65536u);
  EXPECT_FALSE(admit("GET", "/api/v1/enroll").admitted) << "public is a method and a path";
  EXPECT_FALSE(admit("GET", "/healthz/x").admitted);
}

TEST_F(RequestGateTest, APatternAdmitsAnyOneSegmentWhereItCaptures) {
  EXPECT_TRUE(admit("GET", "/downloads/corral-agent_0.1.0_amd64.deb").admitted);
  EXPECT_TRUE(admit("GET", "//downloads//x/").admitted) << "empty segments count for nothing, as in the router";
  EXPECT_TRUE(admit("GET", "/healthz/").admitted);
  EXPECT_FALSE(admit("GET", "/downloads").admitted);
  EXPECT_FALSE(admit("GET", "/downloads/a/b").admitted);
  EXPECT_FALSE(admit("GET", "/downloads/../api/v1/agents").admitted);
  EXPECT_FALSE(admit("HEAD", "/downloads/x").admitted) << "each method is its own public route";
}

TEST_F(RequestGateTest, EverythingElseNeedsAValidAdminToken) {
  GateVerdict none = admit("GET", "/api/v1/agents");
  EXPECT_FALSE(none.admitted);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.reason, "unauthenticated");
  EXPECT_EQ(none.message, kUnauthenticatedMessage) << "the core answers with the same message";
  EXPECT_NE(none.message.find("user token"), std::string::npos) << "user routes take user tokens too";
  EXPECT_FALSE(admit("GET", "/api/v1/agents", "Bearer " + token_ + "x").admitted);
  EXPECT_FALSE(admit("GET", "/api/v1/agents", token_).admitted) << "the Bearer scheme is required";
  GateVerdict good = admit("POST", "/api/v1/join-tokens", "Bearer " + token_);
  EXPECT_TRUE(good.admitted);
  EXPECT_EQ(good.max_body_bytes, 0u) << "the transport's own limit";
}

TEST_F(RequestGateTest, TokensAddedOrRemovedByTheCoreAreSeenAtOnce) {
  const std::string id = "0123456789abcdef";
  const std::string secret = random_token(40);
  const std::string header = "Bearer cadm." + id + "." + secret;
  EXPECT_FALSE(admit("GET", "/api/v1/agents", header).admitted);
  auth_->add(id, sha256_hex(secret));
  EXPECT_TRUE(admit("GET", "/api/v1/agents", header).admitted);
  auth_->remove(id);
  EXPECT_FALSE(admit("GET", "/api/v1/agents", header).admitted);
  EXPECT_TRUE(admit("GET", "/api/v1/agents", "Bearer " + token_).admitted) << "the other tokens stay";
}

TEST_F(RequestGateTest, NetworkThreadsAuthorizeWhileTheCorePublishesNewTables) {
  std::atomic<bool> done{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        if (!admit("GET", "/api/v1/agents", "Bearer " + token_).admitted) ++wrong;
      }
    });
  }
  for (int i = 0; i < 300; ++i) {
    std::string id = "id" + std::to_string(i);
    auth_->add(id, sha256_hex("secret"));
    if (i % 2 == 0) auth_->remove(id);
  }
  done = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(wrong.load(), 0) << "a reader saw a table without the token that was never removed";
}

}  // namespace
}  // namespace corral::manager
