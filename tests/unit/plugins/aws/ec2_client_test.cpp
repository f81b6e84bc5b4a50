// The EC2 client with a scripted host HTTP service: what it puts on the wire (signed form POST,
// marked idempotent, the startup script's body marked sensitive), and that every call's log
// record and every error message carry the request id, whichever way the call ends.
#include "plugins/aws/ec2_client.h"

#include <gtest/gtest.h>

#include <vector>

namespace corral::aws {
namespace {

namespace pv1 = sdk::pv1;

class Ec2ClientTest : public ::testing::Test {
 protected:
  Ec2Client client() {
    return Ec2Client(
        {"https://ec2.eu-west-1.amazonaws.com/", "eu-west-1"},
        Credentials{"AKIDEXAMPLE", "secret", "session", 0, "test"},
        [this](const pv1::HttpRequest& r) {
          sent_.push_back(r);
          return answer_;
        },
        [] { return int64_t{1700000000000}; }, [this](const Ec2CallRecord& r) { logged_.push_back(r); });
  }
  void answer(int status, const std::string& body, std::vector<std::pair<std::string, std::string>> headers = {}) {
    answer_ = {};
    answer_.response.set_status(status);
    answer_.response.set_body(body);
    answer_.response.set_attempts(2);
    for (const auto& [k, v] : headers) {
      auto* h = answer_.response.add_headers();
      h->set_name(k);
      h->set_value(v);
    }
  }
  static std::string header(const pv1::HttpRequest& r, const std::string& name) {
    for (const auto& h : r.headers()) {
      if (h.name() == name) return h.value();
    }
    return {};
  }

  sdk::HttpResult answer_;
  std::vector<pv1::HttpRequest> sent_;
  std::vector<Ec2CallRecord> logged_;
};

TEST_F(Ec2ClientTest, SignedIdempotentFormPostAndTheRequestIdLogged) {
  answer(200,
         "<RunInstancesResponse><requestId>req-1</requestId><instancesSet><item><instanceId>i-0aaaaaaaaaaaaaaaa"
         "</instanceId></item></instancesSet></RunInstancesResponse>");
  Ec2Client c = client();
  auto page = c.run_instances({{"Action", "RunInstances"}, {"Version", "2016-11-15"}, {"UserData", "c2VjcmV0"}});
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(sent_.size(), 1u);
  const pv1::HttpRequest& r = sent_[0];
  EXPECT_EQ(r.method(), "POST");
  EXPECT_EQ(r.url(), "https://ec2.eu-west-1.amazonaws.com/");
  EXPECT_EQ(r.body(), "Action=RunInstances&Version=2016-11-15&UserData=c2VjcmV0");
  EXPECT_TRUE(r.idempotent());
  EXPECT_TRUE(r.sensitive_body());
  EXPECT_EQ(header(r, "Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_EQ(header(r, "X-Amz-Date"), "20231114T221320Z");
  EXPECT_EQ(header(r, "X-Amz-Security-Token"), "session");
  EXPECT_EQ(header(r, "Authorization").rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/eu-west-1/ec2/", 0), 0u);
  ASSERT_EQ(logged_.size(), 1u);
  EXPECT_EQ(logged_[0].action, "RunInstances");
  EXPECT_EQ(logged_[0].request_id, "req-1");
  EXPECT_EQ(logged_[0].http_status, 200);
  EXPECT_EQ(logged_[0].attempts, 2u);
  EXPECT_EQ(logged_[0].error_class, "");
}

TEST_F(Ec2ClientTest, ErrorsCarryCodeClassAndRequestIdInMessageAndLog) {
  answer(503,
         "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>"
         "</Error></Errors><RequestID>req-2</RequestID></Response>",
         {{"Retry-After", "4"}});
  Ec2Client c = client();
  auto page = c.describe_instances({{"Action", "DescribeInstances"}, {"Version", "2016-11-15"}});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().error_class, pv1::ERROR_CLASS_TRANSIENT);
  EXPECT_EQ(page.error().retry_after_ms, 4000);
  EXPECT_EQ(page.error().message,
            "EC2 DescribeInstances: RequestLimitExceeded: Request limit exceeded. (HTTP 503, request id req-2)");
  EXPECT_EQ(c.last_error_code(), "RequestLimitExceeded");
  EXPECT_FALSE(sent_[0].sensitive_body());
  ASSERT_EQ(logged_.size(), 1u);
  EXPECT_EQ(logged_[0].request_id, "req-2");
  EXPECT_EQ(logged_[0].error_code, "RequestLimitExceeded");
  EXPECT_EQ(logged_[0].error_class, "ERROR_CLASS_TRANSIENT");
}

TEST_F(Ec2ClientTest, ARequestIdFromTheHeaderWhenTheBodyIsNotEc2s) {
  answer(502, "<html>bad gateway</html>", {{"x-amzn-RequestId", "hdr-3"}});
  Ec2Client c = client();
  auto t = c.terminate_instance("i-0aaaaaaaaaaaaaaaa");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().error_class, pv1::ERROR_CLASS_TRANSIENT);
  EXPECT_NE(t.error().message.find("request id hdr-3"), std::string::npos) << t.error().message;
  EXPECT_EQ(sent_[0].body(), "Action=TerminateInstances&Version=2016-11-15&InstanceId.1=i-0aaaaaaaaaaaaaaaa");
}

TEST_F(Ec2ClientTest, NoAnswerAndUnreadableAnswers) {
  answer_ = {};
  answer_.response.set_transport_error("connection reset by peer");
  Ec2Client c = client();
  auto none = c.describe_image("ami-0123456789abcdef0");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().error_class, pv1::ERROR_CLASS_TRANSIENT);
  EXPECT_NE(none.error().message.find("connection reset by peer"), std::string::npos);
  EXPECT_NE(none.error().message.find("request id none"), std::string::npos);

  answer(200, "<truncated");
  auto garbled = c.describe_instances({{"Action", "DescribeInstances"}, {"Version", "2016-11-15"}});
  ASSERT_FALSE(garbled.ok());
  EXPECT_EQ(garbled.error().error_class, pv1::ERROR_CLASS_TRANSIENT);
  EXPECT_NE(garbled.error().message.find("EC2 DescribeInstances: "), std::string::npos);
  ASSERT_EQ(logged_.size(), 2u);
  EXPECT_EQ(logged_[1].error_class, "ERROR_CLASS_TRANSIENT");
  EXPECT_EQ(logged_[1].http_status, 200);
}

}  // namespace
}  // namespace corral::aws
