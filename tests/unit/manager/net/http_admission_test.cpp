// What the API listener decides from a request's headers alone: framing, the gate's policy, size,
// the client's share and the manager's capacity, and that an answered request frees its place.
#include "manager/net/http_admission.h"

#include <gtest/gtest.h>

namespace corral::manager {
namespace {

// Admits everything, with a smaller body limit on one path; refuses "/closed".
class TestGate final : public RequestGate {
 public:
  GateVerdict admit(const RequestHead& head) const override {
    if (head.path == "/closed") return GateVerdict::refuse(401, "unauthenticated", "no");
    if (head.path == "/small") return GateVerdict::admit(10);
    return GateVerdict::admit();
  }
};

HttpLimits limits() {
  HttpLimits l;
  l.max_body_bytes = 1000;
  l.max_in_flight = 3;
  l.max_requests_per_client = 2;
  l.max_body_bytes_per_client = 1500;
  l.retry_after_seconds = 2;
  return l;
}

HttpRequestHead post(std::string_view path, std::string_view length, std::string_view peer = "10.0.0.1") {
  return HttpRequestHead{"POST", path, "", peer, length, false};
}

std::string retry_after(const HttpResponse& r) {
  for (const auto& [name, value] : r.headers) {
    if (name == "Retry-After") return value;
  }
  return "";
}

class HttpAdmissionTest : public ::testing::Test {
 protected:
  TestGate gate_;
  HttpAdmission admission_{limits(), &gate_};
};

TEST_F(HttpAdmissionTest, BodyWithoutContentLengthIsRefused411) {
  HttpRequestHead chunked{"POST", "/x", "", "10.0.0.1", std::nullopt, true};
  EXPECT_EQ(admission_.admit(chunked).refusal.status, 411);
  HttpRequestHead chunked_with_length{"POST", "/x", "", "10.0.0.1", "5", true};
  EXPECT_EQ(admission_.admit(chunked_with_length).refusal.status, 411) << "Transfer-Encoding overrides Content-Length";
  HttpRequestHead put_without_length{"PUT", "/x", "", "10.0.0.1", std::nullopt, false};
  EXPECT_EQ(admission_.admit(put_without_length).refusal.status, 411);
  HttpRequestHead get{"GET", "/x", "", "10.0.0.1", std::nullopt, false};
  auto admitted = admission_.admit(get);
  ASSERT_TRUE(admitted.ticket);
  EXPECT_EQ(admitted.ticket->body_bytes, 0u);
  EXPECT_EQ(admission_.admit(post("/x", "12x")).refusal.status, 400);
}

TEST_F(HttpAdmissionTest, GateRefusalComesBeforeTheSizeAndIsNotCounted) {
  auto r = admission_.admit(post("/closed", "999999"));
  EXPECT_FALSE(r.ticket);
  EXPECT_EQ(r.refusal.status, 401);
  EXPECT_NE(r.refusal.body.find("\"reason\":\"unauthenticated\""), std::string::npos) << r.refusal.body;
  EXPECT_EQ(admission_.in_flight(), 0u);
}

TEST_F(HttpAdmissionTest, SizeIsJudgedFromContentLengthAgainstTheRouteOrTheGlobalLimit) {
  EXPECT_EQ(admission_.admit(post("/x", "1001")).refusal.status, 413);
  EXPECT_EQ(admission_.admit(post("/small", "11")).refusal.status, 413);
  EXPECT_TRUE(admission_.admit(post("/small", "10")).ticket);
  EXPECT_TRUE(admission_.admit(post("/x", "1000")).ticket);
}

TEST_F(HttpAdmissionTest, OneClientIsHeldToItsShareWith429) {
  auto a = admission_.admit(post("/x", "800"));
  ASSERT_TRUE(a.ticket);
  auto over_bytes = admission_.admit(post("/x", "800"));
  EXPECT_EQ(over_bytes.refusal.status, 429) << "1600 bytes in progress is over 1500";
  EXPECT_EQ(retry_after(over_bytes.refusal), "2");
  auto b = admission_.admit(post("/x", "100"));
  ASSERT_TRUE(b.ticket);
  EXPECT_EQ(admission_.admit(post("/x", "0")).refusal.status, 429) << "two requests in progress";
  EXPECT_TRUE(admission_.admit(post("/x", "0", "10.0.0.2")).ticket) << "another client has its own share";
  admission_.release(*a.ticket);
  EXPECT_TRUE(admission_.admit(post("/x", "800")).ticket);
}

TEST_F(HttpAdmissionTest, TheManagerIsHeldToItsCapacityWith503UntilAnswersFreePlaces) {
  std::vector<HttpTicket> held;
  for (const char* peer : {"10.0.0.1", "10.0.0.2", "10.0.0.3"}) {
    auto r = admission_.admit(post("/x", "1", peer));
    ASSERT_TRUE(r.ticket);
    held.push_back(*r.ticket);
  }
  auto busy = admission_.admit(post("/x", "1", "10.0.0.4"));
  EXPECT_EQ(busy.refusal.status, 503);
  EXPECT_EQ(retry_after(busy.refusal), "2");
  EXPECT_EQ(admission_.in_flight(), 3u);
  admission_.release(held[0]);
  EXPECT_EQ(admission_.in_flight(), 2u);
  EXPECT_TRUE(admission_.admit(post("/x", "1", "10.0.0.4")).ticket);
}

TEST(HttpAdmissionWithoutGateTest, EveryRequestPassesThePolicyButNotTheBounds) {
  HttpAdmission admission(limits(), nullptr);
  EXPECT_TRUE(admission.admit(post("/closed", "10")).ticket);
  EXPECT_EQ(admission.admit(post("/x", "1001")).refusal.status, 413);
}

}  // namespace
}  // namespace corral::manager
