// The host services table the manager gives every plugin, called the way a plugin calls it:
// through the C function pointers.
#include "manager/providers/host_services.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "common/log.h"
#include "corral/provider/v1/provider.pb.h"
#include "manager/providers/host_http.h"
#include "tests/unit/common/http/loopback_https_server.h"
#include "tests/unit/common/http/test_pki.h"

namespace corral::manager::providers {
namespace {

namespace fs = std::filesystem;

// What FN wrote to stderr.
std::string capture_stderr(const std::function<void()>& fn) {
  std::fflush(stderr);
  std::string path = (fs::temp_directory_path() / ("corral-host-services-" + std::to_string(::getpid()))).string();
  int file = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  int saved = ::dup(2);
  ::dup2(file, 2);
  fn();
  log::flush();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  ::close(file);
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  fs::remove(path);
  return s.str();
}

void send_log(const HostServices& h, const pv1::LogRecord& rec) {
  std::string bytes = rec.SerializeAsString();
  h.table()->log(h.table()->host_ctx, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

struct HttpCall {
  corral_status status = CORRAL_OK;
  std::string bytes;
};

HttpCall http(const HostServices& h, const corral_call* call, const std::string& request) {
  const corral_host_v1* t = h.table();
  uint8_t* out = nullptr;
  size_t out_len = 0;
  HttpCall r;
  r.status = t->http_request(t->host_ctx, call, reinterpret_cast<const uint8_t*>(request.data()), request.size(), &out,
                             &out_len);
  if (out != nullptr) {
    r.bytes.assign(reinterpret_cast<const char*>(out), out_len);
    t->free_buffer(t->host_ctx, out, out_len);
  }
  return r;
}

TEST(HostServicesTest, TableAnnouncesThisAbi) {
  HostServices h("x.so", nullptr);
  EXPECT_EQ(h.table()->abi_major, CORRAL_PLUGIN_ABI_MAJOR);
  EXPECT_EQ(h.table()->abi_minor, CORRAL_PLUGIN_ABI_MINOR);
  EXPECT_EQ(h.table()->struct_size, sizeof(corral_host_v1));
  EXPECT_EQ(h.table()->host_ctx, &h);
}

TEST(HostServicesTest, LogNamesThePluginAndRedactsSecrets) {
  HostServices h("aws.so", nullptr);
  h.set_plugin_name("aws");
  pv1::LogRecord rec;
  rec.set_level(pv1::LogRecord::LEVEL_WARN);
  rec.set_event("aws.run_instances");
  auto& f = *rec.mutable_fields();
  f["region"] = "eu-west-1";
  f["api_key"] = "K123";
  f["Authorization"] = "AWS4-HMAC-SHA256 Credential=abc";
  f["secret_access_key"] = "S456";
  f["url"] = "https://user:pw@ec2.example/?X-Amz-Signature=sig789&Action=RunInstances";
  f["note"] = "Bearer eyJtoken";
  f["pem"] = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----";
  f["evil key\nts"] = "v";
  f["plugin"] = "someone-else";
  std::string line = capture_stderr([&] { send_log(h, rec); });

  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << "one line, whatever the keys hold: " << line;
  EXPECT_NE(line.find("level=warn"), std::string::npos) << line;
  EXPECT_NE(line.find("event=aws.run_instances plugin=aws "), std::string::npos) << line;
  EXPECT_NE(line.find("region=eu-west-1"), std::string::npos) << line;
  EXPECT_NE(line.find("api_key=[redacted]"), std::string::npos) << line;
  EXPECT_NE(line.find("Authorization=[redacted]"), std::string::npos) << line;
  EXPECT_NE(line.find("secret_access_key=[redacted]"), std::string::npos) << line;
  EXPECT_NE(line.find("note=[redacted]"), std::string::npos) << line;
  EXPECT_NE(line.find("pem=[redacted]"), std::string::npos) << line;
  EXPECT_NE(line.find("Action=RunInstances"), std::string::npos) << line;
  EXPECT_NE(line.find("evil_key_ts=v"), std::string::npos) << line;
  EXPECT_NE(line.find("x_plugin=someone-else"), std::string::npos) << line;
  for (const char* secret : {"K123", "S456", "sig789", "user:pw", "eyJtoken", "MIIE", "Credential=abc"}) {
    EXPECT_EQ(line.find(secret), std::string::npos) << secret << " leaked: " << line;
  }
}

TEST(HostServicesTest, LogUsesTheFileNameUntilDescribeNamedThePlugin) {
  HostServices h("early.so", nullptr);
  pv1::LogRecord rec;
  rec.set_level(pv1::LogRecord::LEVEL_INFO);
  rec.set_event("starting");
  EXPECT_NE(capture_stderr([&] { send_log(h, rec); }).find("event=starting plugin=early.so"), std::string::npos);
}

TEST(HostServicesTest, LogRespectsTheLevelAndBoundsTheRecord) {
  HostServices h("p.so", nullptr);
  pv1::LogRecord debug;
  debug.set_level(pv1::LogRecord::LEVEL_DEBUG);
  debug.set_event("noise");
  EXPECT_EQ(capture_stderr([&] { send_log(h, debug); }), "") << "the manager logs at info";

  pv1::LogRecord big;
  big.set_level(pv1::LogRecord::LEVEL_INFO);
  big.set_event("big event name that is not a dotted name");
  for (int i = 0; i < 40; ++i) (*big.mutable_fields())["k" + std::to_string(100 + i)] = std::string(1500, 'v');
  std::string line = capture_stderr([&] { send_log(h, big); });
  EXPECT_NE(line.find("event=big_event_name_that_is_not_a_dotted_name "), std::string::npos) << line;
  EXPECT_NE(line.find("fields_dropped=8"), std::string::npos) << line;
  EXPECT_NE(line.find("k131="), std::string::npos);
  EXPECT_EQ(line.find("k132="), std::string::npos);
  EXPECT_LT(line.size(), 40u * 1024) << "values are cut at 1 KiB";

  pv1::LogRecord huge;
  huge.set_level(pv1::LogRecord::LEVEL_INFO);
  (*huge.mutable_fields())["blob"] = std::string(70 * 1024, 'x');
  std::string refused = capture_stderr([&] { send_log(h, huge); });
  EXPECT_NE(refused.find("event=plugin.bad_log_record plugin=p.so"), std::string::npos) << "over 64 KiB";

  const uint8_t garbage[] = {0xff, 0xff, 0xff};
  std::string bad = capture_stderr([&] { h.table()->log(h.table()->host_ctx, garbage, sizeof garbage); });
  EXPECT_NE(bad.find("event=plugin.bad_log_record plugin=p.so"), std::string::npos) << bad;
}

TEST(HostServicesTest, ClocksAndRandomBytes) {
  HostServices h("p.so", nullptr);
  const corral_host_v1* t = h.table();
  int64_t wall =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  EXPECT_NEAR(static_cast<double>(t->now_unix_ms(t->host_ctx)), static_cast<double>(wall), 5000);
  int64_t a = t->monotonic_ms(t->host_ctx);
  int64_t b = t->monotonic_ms(t->host_ctx);
  EXPECT_LE(a, b);
  EXPECT_NEAR(static_cast<double>(a), static_cast<double>(monotonic_ms()), 1000);

  uint8_t x[32] = {};
  uint8_t y[32] = {};
  ASSERT_EQ(t->random_bytes(t->host_ctx, x, sizeof x), CORRAL_OK);
  ASSERT_EQ(t->random_bytes(t->host_ctx, y, sizeof y), CORRAL_OK);
  EXPECT_NE(std::string(x, x + 32), std::string(y, y + 32));
  EXPECT_NE(std::string(x, x + 32), std::string(32, '\0'));
  EXPECT_EQ(t->random_bytes(t->host_ctx, nullptr, 0), CORRAL_OK);
  EXPECT_EQ(t->random_bytes(t->host_ctx, nullptr, 4), CORRAL_ERR_INVALID_ARGUMENT);
}

TEST(HostServicesTest, CallDeadlineAndCancellationComeFromTheCall) {
  HostServices h("p.so", nullptr);
  const corral_host_v1* t = h.table();
  std::atomic<bool> cancelled{false};
  corral_call call;
  call.deadline_ms = 123456;
  call.cancelled = &cancelled;
  EXPECT_EQ(t->call_deadline_ms(t->host_ctx, &call), 123456);
  EXPECT_EQ(t->call_cancelled(t->host_ctx, &call), 0);
  cancelled = true;
  EXPECT_EQ(t->call_cancelled(t->host_ctx, &call), 1);
  EXPECT_EQ(t->call_deadline_ms(t->host_ctx, nullptr), 0);
  EXPECT_EQ(t->call_cancelled(t->host_ctx, nullptr), 0);
  corral_call no_flag;
  EXPECT_EQ(t->call_cancelled(t->host_ctx, &no_flag), 0);
}

TEST(HostServicesTest, HttpWithoutAClientIsUnavailableAndBadRequestsAreRefused) {
  HostServices h("p.so", nullptr);
  pv1::HttpRequest get;
  get.set_method("GET");
  get.set_url("https://127.0.0.1:1/");
  HttpCall none = http(h, nullptr, get.SerializeAsString());
  EXPECT_EQ(none.status, CORRAL_ERR_UNAVAILABLE);
  EXPECT_EQ(none.bytes, "the manager has no HTTP service for plugins configured");

  auto client = HostHttpClient::create(HostHttpSettings{});
  ASSERT_TRUE(client.ok()) << client.status().message();
  HostServices with("p.so",
                    std::shared_ptr<const HostHttpClient>(std::make_shared<HostHttpClient>(std::move(client).value())));
  HttpCall garbage = http(with, nullptr, "\xff\xff\xff");
  EXPECT_EQ(garbage.status, CORRAL_ERR_INVALID_ARGUMENT);
  EXPECT_NE(garbage.bytes.find("does not decode"), std::string::npos);
  const corral_host_v1* t = with.table();
  EXPECT_EQ(t->http_request(t->host_ctx, nullptr, nullptr, 0, nullptr, nullptr), CORRAL_ERR_INVALID_ARGUMENT);
}

class HostServicesHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pki = testing::make_test_pki("corral host services test CA");
    ASSERT_TRUE(pki.ok()) << pki.status().message();
    ca_file_ = (fs::temp_directory_path() / ("corral-host-services-ca-" + std::to_string(::getpid()))).string();
    std::ofstream(ca_file_) << pki->ca_pem;
    auto server = testing::LoopbackHttpsServer::start(pki->server_cert_pem, pki->server_key_pem,
                                                      [](const testing::LoopbackHttpsServer::Request& r) {
                                                        testing::LoopbackHttpsServer::Reply reply;
                                                        reply.status = r.target == "/slow" ? 200 : 201;
                                                        reply.body = "hello " + r.target;
                                                        if (r.target == "/slow") reply.delay = std::chrono::seconds(3);
                                                        return reply;
                                                      });
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(server).value();
    HostHttpSettings s;
    s.ca_bundle_file = ca_file_;
    s.max_attempts = 1;
    auto client = HostHttpClient::create(s);
    ASSERT_TRUE(client.ok()) << client.status().message();
    host_ = std::make_unique<HostServices>(
        "p.so", std::shared_ptr<const HostHttpClient>(std::make_shared<HostHttpClient>(std::move(client).value())));
  }
  void TearDown() override {
    server_.reset();
    fs::remove(ca_file_);
  }
  std::string get(const std::string& path) const {
    pv1::HttpRequest r;
    r.set_method("GET");
    r.set_url(server_->url(path));
    return r.SerializeAsString();
  }

  std::string ca_file_;
  std::unique_ptr<testing::LoopbackHttpsServer> server_;
  std::unique_ptr<HostServices> host_;
};

TEST_F(HostServicesHttpTest, RequestGoesThroughTheManagersClient) {
  corral_call call;
  call.deadline_ms = monotonic_ms() + 10'000;
  HttpCall r = http(*host_, &call, get("/hi"));
  ASSERT_EQ(r.status, CORRAL_OK) << r.bytes;
  pv1::HttpResponse response;
  ASSERT_TRUE(response.ParseFromString(r.bytes));
  EXPECT_EQ(response.status(), 201);
  EXPECT_EQ(response.body(), "hello /hi");
  EXPECT_EQ(server_->request_count(), 1u);
}

TEST_F(HostServicesHttpTest, RequestIsBoundByTheCallsDeadlineAndCancellation) {
  corral_call call;
  call.deadline_ms = monotonic_ms() + 300;
  HttpCall late = http(*host_, &call, get("/slow"));
  EXPECT_EQ(late.status, CORRAL_ERR_DEADLINE) << late.bytes;

  std::atomic<bool> cancelled{true};
  corral_call gone;
  gone.cancelled = &cancelled;
  EXPECT_EQ(http(*host_, &gone, get("/hi")).status, CORRAL_ERR_CANCELLED);
}

}  // namespace
}  // namespace corral::manager::providers
