// The manager's HTTP service for plugins against a real HTTPS server on loopback. Waits between
// attempts go through a FakeTiming that records them and moves time by hand, so backoff and
// Retry-After are checked exactly and without waiting; cancellation is set on an explicit signal
// (the request log's record of an attempt, the server's first piece of a body). A lower bound on
// elapsed time is checked only where the code must have waited; there is no upper bound.
#include "manager/providers/host_http.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/log.h"
#include "tests/unit/common/http/loopback_https_server.h"
#include "tests/unit/common/http/test_pki.h"

namespace corral::manager::providers {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using Reply = testing::LoopbackHttpsServer::Reply;
using SeenRequest = testing::LoopbackHttpsServer::Request;

// Time that moves only when the retry loop waits: each wait is recorded and added to both clocks.
class FakeTiming final : public RetryTiming {
 public:
  int64_t monotonic_ms() const override {
    std::lock_guard lock(mu_);
    return now_ms_;
  }
  std::chrono::system_clock::time_point wall_now() const override {
    std::lock_guard lock(mu_);
    return wall_ + milliseconds(now_ms_ - kStartMs);
  }
  bool wait(milliseconds wait, const std::atomic<bool>* cancelled) const override {
    std::lock_guard lock(mu_);
    waits_.push_back(wait);
    if (cancelled != nullptr && cancelled->load()) return false;
    now_ms_ += wait.count();
    return true;
  }
  std::vector<milliseconds> waits() const {
    std::lock_guard lock(mu_);
    return waits_;
  }
  int64_t in_ms(int64_t ms) const { return monotonic_ms() + ms; }
  // A whole second, so an HTTP date (whole seconds) says exactly what the test means.
  static constexpr std::time_t kStart = 1'800'000'000;

 private:
  mutable std::mutex mu_;
  static constexpr int64_t kStartMs = 1'000'000;
  mutable int64_t now_ms_ = kStartMs;
  const std::chrono::system_clock::time_point wall_ = std::chrono::system_clock::from_time_t(kStart);
  mutable std::vector<milliseconds> waits_;
};

class HostHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pki = testing::make_test_pki("corral host_http test CA");
    ASSERT_TRUE(pki.ok()) << pki.status().to_string();
    pki_ = *pki;
    std::string tmpl = (std::filesystem::temp_directory_path() / "corral-host-http-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    ca_file_ = write("ca.crt", pki_.ca_pem);
  }
  void TearDown() override {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  void serve(testing::LoopbackHttpsServer::Handler handler) {
    auto server = testing::LoopbackHttpsServer::start(pki_.server_cert_pem, pki_.server_key_pem, std::move(handler));
    ASSERT_TRUE(server.ok()) << server.status().to_string();
    server_ = std::move(*server);
  }

  // Settings that trust the test CA, with short backoffs so retries do not slow the tests.
  HostHttpSettings trusting() const {
    HostHttpSettings s;
    s.ca_bundle_file = ca_file_;
    s.backoff_base = milliseconds(5);
    s.backoff_max = milliseconds(20);
    s.max_attempts = 3;
    return s;
  }

  // ON_ATTEMPT runs after each attempt's record, on the calling thread, before any wait.
  HostHttpClient client(HostHttpSettings settings, std::shared_ptr<const RetryTiming> timing = nullptr,
                        std::function<void(const HttpAttemptRecord&)> on_attempt = {}) {
    auto c = HostHttpClient::create(
        std::move(settings),
        [this, on_attempt](const HttpAttemptRecord& r) {
          {
            std::lock_guard lock(mu_);
            records_.push_back(r);
          }
          if (on_attempt) on_attempt(r);
        },
        std::move(timing));
    EXPECT_TRUE(c.ok()) << c.status().to_string();
    return std::move(c).value();
  }

  pv1::HttpRequest get(const std::string& path) const {
    pv1::HttpRequest r;
    r.set_method("GET");
    r.set_url(server_->url(path));
    return r;
  }

  static int64_t in_ms(int64_t ms) { return HostHttpClient::monotonic_now_ms() + ms; }

  std::vector<HttpAttemptRecord> records() {
    std::lock_guard lock(mu_);
    return records_;
  }

  std::shared_ptr<FakeTiming> fake_ = std::make_shared<FakeTiming>();
  testing::TestPki pki_;
  std::string dir_;
  std::string ca_file_;
  std::unique_ptr<testing::LoopbackHttpsServer> server_;
  std::mutex mu_;
  std::vector<HttpAttemptRecord> records_;
};

// Answers from a script: the i-th request gets script[i] (the last one repeats).
testing::LoopbackHttpsServer::Handler scripted(std::vector<Reply> script) {
  return [script = std::move(script)](const SeenRequest& r) {
    return script[std::min(static_cast<size_t>(r.index), script.size() - 1)];
  };
}

Reply status(int code, testing::LoopbackHttpsServer::Headers headers = {}, std::string body = {}) {
  Reply r;
  r.status = code;
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

// ---- TLS -------------------------------------------------------------------------------------

TEST_F(HostHttp, VerificationIsOnByDefault) {
  serve(scripted({status(200)}));
  HostHttpSettings settings;  // system store only: the test CA is not in it
  HostHttpResult r = client(settings).perform(get("/"), 0, nullptr);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status(), 0);
  EXPECT_NE(r.response.transport_error(), "");
  EXPECT_NE(r.response.transport_error().find("certificate"), std::string::npos) << r.response.transport_error();
  EXPECT_EQ(r.response.attempts(), 1u);  // a certificate that does not verify is not retried
  EXPECT_EQ(server_->request_count(), 0u);
}

TEST_F(HostHttp, TrustsTheConfiguredCaBundleWithOrWithoutTheSystemStore) {
  serve(scripted({status(200, {}, "hello")}));
  for (bool only : {false, true}) {
    HostHttpSettings settings = trusting();
    settings.ca_bundle_only = only;
    HostHttpResult r = client(settings).perform(get("/"), 0, nullptr);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.response.transport_error(), "") << "ca_bundle_only=" << only;
    EXPECT_EQ(r.response.status(), 200);
    EXPECT_EQ(r.response.body(), "hello");
    EXPECT_EQ(r.response.attempts(), 1u);
  }
}

TEST_F(HostHttp, ABundleOfAnotherCaDoesNotTrustTheServer) {
  serve(scripted({status(200)}));
  auto other = testing::make_test_pki("another CA");
  ASSERT_TRUE(other.ok());
  HostHttpSettings settings = trusting();
  settings.ca_bundle_file = write("other.crt", other->ca_pem);
  settings.ca_bundle_only = true;
  HostHttpResult r = client(settings).perform(get("/"), 0, nullptr);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status(), 0);
  EXPECT_NE(r.response.transport_error(), "");
  EXPECT_EQ(server_->request_count(), 0u);
}

// The fingerprint as vCenter and `openssl x509 -fingerprint -sha256` show it.
std::string sha256_fingerprint_of(const std::string& cert_pem) {
  BIO* bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert, EVP_sha256(), digest, &len);
  X509_free(cert);
  std::string out;
  char hex[4];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(hex, sizeof hex, i == 0 ? "%02X" : ":%02X", digest[i]);
    out += hex;
  }
  return out;
}

TEST_F(HostHttp, ARefusedCertificateReportsItsFingerprint) {
  serve(scripted({status(200)}));
  HostHttpResult r = client(HostHttpSettings{}).perform(get("/"), 0, nullptr);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_NE(r.response.transport_error(), "");
  EXPECT_EQ(r.response.peer_cert_sha256(), sha256_fingerprint_of(pki_.server_cert_pem));
  EXPECT_TRUE(r.response.certificate_refused());
}

TEST_F(HostHttp, RequestCaBundleReplacesTheHostTrustForItsServer) {
  serve(scripted({status(200, {}, "hello")}));
  pv1::HttpRequest own_ca = get("/");
  own_ca.set_server_ca_pem(pki_.ca_pem);
  HostHttpResult r = client(HostHttpSettings{}).perform(own_ca, 0, nullptr);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.transport_error(), "");
  EXPECT_EQ(r.response.body(), "hello");
  EXPECT_EQ(r.response.peer_cert_sha256(), sha256_fingerprint_of(pki_.server_cert_pem));
  EXPECT_FALSE(r.response.certificate_refused());

  // Another CA in the request is not rescued by the host's bundle, which trusts the server.
  auto other = testing::make_test_pki("another CA");
  ASSERT_TRUE(other.ok());
  pv1::HttpRequest wrong_ca = get("/");
  wrong_ca.set_server_ca_pem(other->ca_pem);
  r = client(trusting()).perform(wrong_ca, 0, nullptr);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_NE(r.response.transport_error(), "");
}

TEST_F(HostHttp, APinnedFingerprintIsTheWholeCheck) {
  serve(scripted({status(200, {}, "pinned")}));
  std::string fingerprint = sha256_fingerprint_of(pki_.server_cert_pem);
  // Accepted without any CA, in either spelling.
  std::string bare;
  for (char c : fingerprint) {
    if (c != ':') bare.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  for (const std::string& pin : {fingerprint, bare}) {
    pv1::HttpRequest req = get("/");
    req.set_pinned_cert_sha256(pin);
    HostHttpResult r = client(HostHttpSettings{}).perform(req, 0, nullptr);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.response.transport_error(), "") << pin;
    EXPECT_EQ(r.response.body(), "pinned");
  }
  // Another fingerprint is refused even though the host's bundle trusts the server, and not retried.
  pv1::HttpRequest wrong = get("/");
  wrong.set_pinned_cert_sha256(std::string(64, 'a'));
  HostHttpResult r = client(trusting()).perform(wrong, 0, nullptr);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_NE(r.response.transport_error(), "");
  EXPECT_EQ(r.response.attempts(), 1u);
  EXPECT_EQ(r.response.peer_cert_sha256(), fingerprint);
  EXPECT_EQ(server_->request_count(), 2u);  // the two pinned requests above, not this one

  pv1::HttpRequest malformed = get("/");
  malformed.set_pinned_cert_sha256("not-a-fingerprint");
  r = client(HostHttpSettings{}).perform(malformed, 0, nullptr);
  EXPECT_EQ(r.status, CORRAL_ERR_INVALID_ARGUMENT);
}

TEST_F(HostHttp, BadSettingsAreRefusedAtCreation) {
  HostHttpSettings missing;
  missing.ca_bundle_file = dir_ + "/absent.crt";
  EXPECT_FALSE(HostHttpClient::create(missing).ok());
  HostHttpSettings garbage;
  garbage.ca_bundle_file = write("garbage.crt", "not a certificate");
  EXPECT_FALSE(HostHttpClient::create(garbage).ok());
  HostHttpSettings both;
  both.proxy_url = "http://proxy:3128";
  both.proxy_from_environment = true;
  EXPECT_FALSE(HostHttpClient::create(both).ok());
  HostHttpSettings ftp_proxy;
  ftp_proxy.proxy_url = "ftp://proxy:21";
  EXPECT_FALSE(HostHttpClient::create(ftp_proxy).ok());
  HostHttpSettings no_attempts;
  no_attempts.max_attempts = 0;
  EXPECT_FALSE(HostHttpClient::create(no_attempts).ok());
}

// ---- Requests and answers --------------------------------------------------------------------

TEST_F(HostHttp, SendsTheRequestAndReturnsHeadersInOrder) {
  serve(scripted({status(201, {{"X-B", "1"}, {"x-a", "2"}, {"X-B", "3"}}, "{\"id\":\"vm-1\"}")}));
  pv1::HttpRequest req = get("/vms?x=1");
  req.set_method("PUT");
  req.set_body("{\"name\":\"a\"}");
  auto* h = req.add_headers();
  h->set_name("Content-Type");
  h->set_value("application/json");
  HostHttpResult r = client(trusting()).perform(req, in_ms(10000), nullptr);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status(), 201);
  EXPECT_EQ(r.response.body(), "{\"id\":\"vm-1\"}");
  ASSERT_GE(r.response.headers_size(), 3);
  EXPECT_EQ(r.response.headers(0).name(), "X-B");
  EXPECT_EQ(r.response.headers(0).value(), "1");
  EXPECT_EQ(r.response.headers(1).name(), "x-a");
  EXPECT_EQ(r.response.headers(2).name(), "X-B");
  EXPECT_EQ(r.response.headers(2).value(), "3");
  ASSERT_EQ(server_->request_count(), 1u);
  SeenRequest seen = server_->requests()[0];
  EXPECT_EQ(seen.method, "PUT");
  EXPECT_EQ(seen.target, "/vms?x=1");
  EXPECT_EQ(seen.body, "{\"name\":\"a\"}");
}

TEST_F(HostHttp, OnlyHttpAndHttpsSchemes) {
  HostHttpClient c = client(trusting());
  for (const char* url : {"file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/", "ldap://h/"}) {
    pv1::HttpRequest req;
    req.set_method("GET");
    req.set_url(url);
    HostHttpResult r = c.perform(req, 0, nullptr);
    EXPECT_EQ(r.status, CORRAL_ERR_INVALID_ARGUMENT) << url;
    EXPECT_NE(r.message.find("only http and https"), std::string::npos) << r.message;
  }
  EXPECT_TRUE(records().empty());  // nothing was attempted
}

TEST_F(HostHttp, MalformedRequestsAreInvalidArguments) {
  HostHttpClient c = client(trusting());
  pv1::HttpRequest bad_method;
  bad_method.set_method("BREW");
  bad_method.set_url("https://127.0.0.1:1/");
  EXPECT_EQ(c.perform(bad_method, 0, nullptr).status, CORRAL_ERR_INVALID_ARGUMENT);
  pv1::HttpRequest bad_header;
  bad_header.set_url("https://127.0.0.1:1/");
  auto* h = bad_header.add_headers();
  h->set_name("Authorization");
  h->set_value("Bearer abc\r\nX-Injected: 1");
  HostHttpResult r = c.perform(bad_header, 0, nullptr);
  EXPECT_EQ(r.status, CORRAL_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(r.message.find("abc"), std::string::npos) << r.message;
  pv1::HttpRequest negative;
  negative.set_url("https://127.0.0.1:1/");
  negative.set_timeout_ms(-1);
  EXPECT_EQ(c.perform(negative, 0, nullptr).status, CORRAL_ERR_INVALID_ARGUMENT);
}

TEST_F(HostHttp, BodyLargerThanTheLimitIsATransportError) {
  serve(scripted({status(200, {}, std::string(100 * 1024, 'x'))}));
  HostHttpSettings settings = trusting();
  settings.max_response_bytes = 4096;
  HostHttpResult r = client(settings).perform(get("/big"), in_ms(10000), nullptr);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status(), 0);
  EXPECT_EQ(r.response.body(), "");
  EXPECT_NE(r.response.transport_error().find("4096"), std::string::npos) << r.response.transport_error();
  EXPECT_NE(r.response.transport_error().find("max_response_bytes"), std::string::npos);
  EXPECT_EQ(r.response.attempts(), 1u);
}

TEST_F(HostHttp, BodyWithoutContentLengthIsBoundedToo) {
  Reply big = status(200, {}, std::string(100 * 1024, 'x'));
  big.no_content_length = true;
  serve(scripted({big}));
  HostHttpSettings settings = trusting();
  settings.max_response_bytes = 4096;
  HostHttpResult r = client(settings).perform(get("/big"), in_ms(10000), nullptr);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_NE(r.response.transport_error().find("4096"), std::string::npos) << r.response.transport_error();
}

// ---- Retries ---------------------------------------------------------------------------------

TEST_F(HostHttp, Retries503ThenSucceeds) {
  serve(scripted({status(503), status(200, {}, "ok")}));
  HostHttpResult r = client(trusting()).perform(get("/"), in_ms(10000), nullptr);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status(), 200);
  EXPECT_EQ(r.response.body(), "ok");
  EXPECT_EQ(r.response.attempts(), 2u);
  EXPECT_EQ(server_->request_count(), 2u);
  auto log = records();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].attempt, 1u);
  EXPECT_EQ(log[0].status, 503);
  EXPECT_EQ(log[1].attempt, 2u);
  EXPECT_EQ(log[1].status, 200);
}

TEST_F(HostHttp, RetriesStopAtMaxAttemptsAndReturnTheLastAnswer) {
  serve(scripted({status(502)}));
  HostHttpResult r = client(trusting()).perform(get("/"), in_ms(10000), nullptr);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status(), 502);
  EXPECT_EQ(r.response.attempts(), 3u);
  EXPECT_EQ(server_->request_count(), 3u);
}

TEST_F(HostHttp, PermanentStatusesAreNotRetried) {
  for (int code : {400, 404, 501}) {
    serve(scripted({status(code), status(200)}));
    HostHttpResult r = client(trusting()).perform(get("/"), in_ms(10000), nullptr);
    EXPECT_EQ(r.response.status(), code);
    EXPECT_EQ(r.response.attempts(), 1u) << code;
  }
}

TEST_F(HostHttp, BackoffIsFullJitterUnderTheCap) {
  serve(scripted({status(503), status(503), status(503), status(200)}));
  HostHttpSettings settings = trusting();
  settings.max_attempts = 4;
  settings.backoff_base = milliseconds(100);
  settings.backoff_max = milliseconds(150);
  HostHttpResult r = client(settings, fake_).perform(get("/"), fake_->in_ms(60000), nullptr);
  EXPECT_EQ(r.response.status(), 200);
  EXPECT_EQ(r.response.attempts(), 4u);
  std::vector<milliseconds> waits = fake_->waits();
  ASSERT_EQ(waits.size(), 3u);
  EXPECT_LE(waits[0], milliseconds(100)) << "base before the first resend";
  EXPECT_LE(waits[1], milliseconds(150)) << "doubled, then capped";
  EXPECT_LE(waits[2], milliseconds(150));
}

TEST_F(HostHttp, RetryAfterSecondsIsHonoured) {
  serve(scripted({status(503, {{"Retry-After", "7"}}), status(200)}));
  HostHttpResult r = client(trusting(), fake_).perform(get("/"), fake_->in_ms(20000), nullptr);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status(), 200);
  EXPECT_EQ(r.response.attempts(), 2u);
  // The backoff alone would wait at most 20 ms.
  EXPECT_EQ(fake_->waits(), (std::vector<milliseconds>{milliseconds(7000)}));
}

TEST_F(HostHttp, RetryAfterHttpDateIsHonoured) {
  std::time_t when = FakeTiming::kStart + 2;
  char date[64];
  std::tm tm{};
  ::gmtime_r(&when, &tm);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  serve(scripted({status(429, {{"Retry-After", date}}), status(200)}));
  HostHttpResult r = client(trusting(), fake_).perform(get("/"), fake_->in_ms(20000), nullptr);
  EXPECT_EQ(r.response.status(), 200);
  EXPECT_EQ(r.response.attempts(), 2u);
  EXPECT_EQ(fake_->waits(), (std::vector<milliseconds>{milliseconds(2000)}));
}

TEST_F(HostHttp, RetryAfterBeyondTheDeadlineOrTheLimitReturnsTheAnswerAtOnce) {
  serve(scripted({status(503, {{"Retry-After", "30"}}), status(200)}));
  HostHttpResult r = client(trusting(), fake_).perform(get("/"), fake_->in_ms(5000), nullptr);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status(), 503);
  EXPECT_EQ(r.response.attempts(), 1u);
  EXPECT_TRUE(fake_->waits().empty()) << "nothing was waited for";
  // The plugin still sees the server's hint.
  bool hint = false;
  for (const auto& h : r.response.headers()) hint = hint || (h.name() == "Retry-After" && h.value() == "30");
  EXPECT_TRUE(hint);

  // Within the deadline but beyond max_retry_after.
  serve(scripted({status(503, {{"Retry-After", "30"}}), status(200)}));
  HostHttpSettings settings = trusting();
  settings.max_retry_after = milliseconds(10'000);
  HostHttpResult limited = client(settings, fake_).perform(get("/"), fake_->in_ms(600'000), nullptr);
  EXPECT_EQ(limited.response.status(), 503);
  EXPECT_EQ(limited.response.attempts(), 1u);
  EXPECT_TRUE(fake_->waits().empty());
}

TEST_F(HostHttp, PostIsNotRetriedOnceItMayHaveReachedTheServer) {
  // An answer, and a connection closed after the request was read: neither is sent again.
  Reply dropped;
  dropped.close_without_reply = true;
  for (const Reply& first : {status(503), dropped}) {
    serve(scripted({first, status(200)}));
    pv1::HttpRequest req = get("/create");
    req.set_method("POST");
    req.set_body("{}");
    HostHttpResult r = client(trusting()).perform(req, in_ms(10000), nullptr);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.response.attempts(), 1u) << r.response.transport_error();
    EXPECT_EQ(server_->request_count(), 1u);
    EXPECT_NE(r.response.status(), 200);
  }
}

TEST_F(HostHttp, IdempotentPostIsRetried) {
  serve(scripted({status(503), status(200)}));
  pv1::HttpRequest req = get("/create");
  req.set_method("POST");
  req.set_idempotent(true);
  HostHttpResult r = client(trusting()).perform(req, in_ms(10000), nullptr);
  EXPECT_EQ(r.response.status(), 200);
  EXPECT_EQ(r.response.attempts(), 2u);
}

TEST_F(HostHttp, PostIsRetriedWhenItNeverReachedTheServer) {
  testing::ClosedPort closed;
  pv1::HttpRequest req;
  req.set_method("POST");
  req.set_url("https://127.0.0.1:" + std::to_string(closed.port()) + "/create");
  HostHttpResult r = client(trusting()).perform(req, in_ms(10000), nullptr);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_NE(r.response.transport_error(), "");
  EXPECT_EQ(r.response.attempts(), 3u);
}

TEST_F(HostHttp, PerAttemptTimeoutIsRetriedWithinTheDeadline) {
  Reply stall;
  stall.stall = true;
  serve(scripted({stall, status(200)}));
  pv1::HttpRequest req = get("/");
  req.set_timeout_ms(300);
  HostHttpResult r = client(trusting()).perform(req, in_ms(20000), nullptr);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status(), 200);
  EXPECT_EQ(r.response.attempts(), 2u);
  auto log = records();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_NE(log[0].error, "");
}

// ---- Deadline and cancellation ---------------------------------------------------------------

TEST_F(HostHttp, DeadlineStopsAStalledServer) {
  Reply stall;
  stall.stall = true;
  serve(scripted({stall}));
  auto start = Clock::now();
  HostHttpResult r = client(trusting()).perform(get("/"), in_ms(600), nullptr);  // timeout_ms 0: 30 s default
  auto elapsed = Clock::now() - start;
  EXPECT_EQ(r.status, CORRAL_ERR_DEADLINE) << r.message;
  EXPECT_GE(elapsed, milliseconds(500));
}

TEST_F(HostHttp, RetriesNeverRunPastTheDeadline) {
  Reply stall;
  stall.stall = true;
  serve(scripted({stall}));
  pv1::HttpRequest req = get("/");
  req.set_timeout_ms(400);  // each attempt times out; the third would end after the deadline
  HostHttpSettings settings = trusting();
  settings.max_attempts = 10;
  HostHttpResult r = client(settings).perform(req, in_ms(1000), nullptr);
  EXPECT_EQ(r.status, CORRAL_ERR_DEADLINE) << r.message;
  EXPECT_LE(records().size(), 3u) << "no attempt starts after the deadline";
}

TEST_F(HostHttp, PassedDeadlineSendsNothing) {
  serve(scripted({status(200)}));
  HostHttpResult r = client(trusting()).perform(get("/"), HostHttpClient::monotonic_now_ms() - 1, nullptr);
  EXPECT_EQ(r.status, CORRAL_ERR_DEADLINE);
  EXPECT_EQ(server_->connection_count(), 0u);
}

TEST_F(HostHttp, CancellationStopsATransferMidBody) {
  std::atomic<bool> cancelled{false};
  Reply slow = status(200, {}, std::string(200 * 1024, 'x'));
  slow.trickle_bytes = 512;
  slow.trickle_pause = milliseconds(50);  // about 20 s for the whole body
  slow.after_first_piece = [&] { cancelled = true; };
  serve(scripted({slow}));
  HostHttpResult r = client(trusting()).perform(get("/slow"), in_ms(60000), &cancelled);
  // Had the cancellation not stopped the transfer, the whole body would have come: CORRAL_OK.
  EXPECT_EQ(r.status, CORRAL_ERR_CANCELLED) << r.message;
  auto log = records();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].error.find("cancelled"), std::string::npos);
}

TEST_F(HostHttp, CancellationDuringABackoffWait) {
  serve(scripted({status(503, {{"Retry-After", "20"}}), status(200)}));
  std::atomic<bool> cancelled{false};
  // Set once the first attempt is over, before the wait for the second: the real wait (20 s) must
  // see it.
  HostHttpClient c = client(trusting(), nullptr, [&](const HttpAttemptRecord&) { cancelled = true; });
  HostHttpResult r = c.perform(get("/"), in_ms(60000), &cancelled);
  EXPECT_EQ(r.status, CORRAL_ERR_CANCELLED) << r.message;
  EXPECT_NE(r.message.find("cancelled after 1 attempt(s)"), std::string::npos) << r.message;
  EXPECT_EQ(server_->request_count(), 1u);
}

TEST_F(HostHttp, CancelledBeforeTheStartSendsNothing) {
  serve(scripted({status(200)}));
  std::atomic<bool> cancelled{true};
  HostHttpResult r = client(trusting()).perform(get("/"), 0, &cancelled);
  EXPECT_EQ(r.status, CORRAL_ERR_CANCELLED);
  EXPECT_EQ(server_->connection_count(), 0u);
}

// ---- Proxy -----------------------------------------------------------------------------------

TEST_F(HostHttp, ProxyComesFromTheSettingsNotTheEnvironment) {
  serve(scripted({status(200)}));
  testing::ClosedPort nothing;
  // A proxy in the environment that refuses connections: followed only when the settings say so.
  ::setenv("https_proxy", ("http://127.0.0.1:" + std::to_string(nothing.port())).c_str(), 1);
  ::unsetenv("no_proxy");
  ::unsetenv("NO_PROXY");
  HostHttpResult direct = client(trusting()).perform(get("/"), in_ms(10000), nullptr);
  HostHttpSettings from_env = trusting();
  from_env.proxy_from_environment = true;
  from_env.max_attempts = 1;
  HostHttpResult via_env = client(from_env).perform(get("/"), in_ms(10000), nullptr);
  ::unsetenv("https_proxy");
  EXPECT_EQ(direct.response.status(), 200) << direct.response.transport_error();
  EXPECT_EQ(via_env.response.status(), 0);
  EXPECT_NE(via_env.response.transport_error(), "");

  // proxy_url from the settings: the test server is the proxy, the target a port nobody serves.
  HostHttpSettings proxied = trusting();
  proxied.proxy_url = "http://127.0.0.1:" + std::to_string(server_->port());
  pv1::HttpRequest req;
  req.set_url("https://127.0.0.1:" + std::to_string(nothing.port()) + "/through");
  HostHttpResult r = client(proxied).perform(req, in_ms(10000), nullptr);
  EXPECT_EQ(r.response.status(), 200) << r.response.transport_error();
  ASSERT_EQ(server_->proxy_connects().size(), 1u);
  EXPECT_EQ(server_->proxy_connects()[0], "127.0.0.1:" + std::to_string(nothing.port()));

  // no_proxy: straight to the server although the proxy would refuse.
  HostHttpSettings bypass = trusting();
  bypass.proxy_url = "http://127.0.0.1:" + std::to_string(nothing.port());
  bypass.no_proxy = "localhost,127.0.0.1";
  HostHttpResult around = client(bypass).perform(get("/"), in_ms(10000), nullptr);
  EXPECT_EQ(around.response.status(), 200) << around.response.transport_error();
}

// ---- Request log and redaction ---------------------------------------------------------------

TEST_F(HostHttp, RequestLogAndDebugLineRedactSecrets) {
  serve(scripted({status(503, {{"Set-Cookie", "session=cookie-secret-6"}}),
                  status(200, {{"Set-Cookie", "session=cookie-secret-6"}, {"X-Visible", "shown"}})}));
  pv1::HttpRequest req = get("/api?sig=query-secret-1&token=query-secret-2&page=visible-page");
  req.set_method("PUT");
  req.set_body("body-secret-3");
  req.set_sensitive_body(true);
  auto add = [&](const char* name, const char* value) {
    auto* h = req.add_headers();
    h->set_name(name);
    h->set_value(value);
  };
  add("Authorization", "Bearer header-secret-4");
  add("X-Plugin-Custom", "header-secret-5");
  add("Cookie", "c=header-secret-7");
  add("X-Amz-Security-Token", "header-secret-8");
  add("x-ms-authorization-auxiliary", "header-secret-9");
  add("Accept", "application/json");
  req.add_sensitive_headers("x-plugin-custom");

  log::set_level(log::Level::debug);
  ::testing::internal::CaptureStderr();
  HostHttpResult r = client(trusting()).perform(req, in_ms(10000), nullptr, "aws");
  log::flush();
  std::string logged = ::testing::internal::GetCapturedStderr();
  log::set_level(log::Level::info);
  ASSERT_EQ(r.response.status(), 200) << r.response.transport_error();
  // The plugin itself gets the real answer.
  bool cookie = false;
  for (const auto& h : r.response.headers()) cookie = cookie || h.value() == "session=cookie-secret-6";
  EXPECT_TRUE(cookie);

  auto log = records();
  ASSERT_EQ(log.size(), 2u);
  std::string everything = logged;
  for (const HttpAttemptRecord& rec : log) {
    EXPECT_EQ(rec.plugin, "aws");
    EXPECT_EQ(rec.method, "PUT");
    EXPECT_TRUE(rec.request_body_redacted);
    EXPECT_EQ(rec.request_body, "");
    everything += rec.url + rec.request_body + rec.error;
    for (const auto& [n, v] : rec.request_headers) everything += n + ": " + v + "\n";
    for (const auto& [n, v] : rec.response_headers) everything += n + ": " + v + "\n";
    ASSERT_EQ(rec.request_headers.size(), 6u);
    for (size_t i = 0; i < 5; ++i) {
      EXPECT_EQ(rec.request_headers[i].second, "<redacted>") << rec.request_headers[i].first;
    }
    EXPECT_EQ(rec.request_headers[5].second, "application/json");
  }
  for (const char* secret : {"query-secret-1", "query-secret-2", "body-secret-3", "header-secret-4", "header-secret-5",
                             "cookie-secret-6", "header-secret-7", "header-secret-8", "header-secret-9"}) {
    EXPECT_EQ(everything.find(secret), std::string::npos) << secret << " leaked into:\n" << everything;
  }
  // What is not secret stays readable, in the hook and in the debug lines.
  EXPECT_NE(log[1].url.find("page=visible-page"), std::string::npos) << log[1].url;
  EXPECT_NE(log[1].url.find("sig=<redacted>"), std::string::npos) << log[1].url;
  EXPECT_EQ(log[0].status, 503);
  EXPECT_EQ(log[1].status, 200);
  EXPECT_NE(logged.find("plugin.http.attempt"), std::string::npos) << logged;
  EXPECT_NE(logged.find("visible-page"), std::string::npos) << logged;
  EXPECT_NE(logged.find("Authorization: <redacted>"), std::string::npos) << logged;
}

TEST_F(HostHttp, RequestLogCarriesABodyThatIsNotSensitive) {
  serve(scripted({status(200)}));
  pv1::HttpRequest req = get("/");
  req.set_method("POST");
  req.set_body("{\"name\":\"vm-1\"}");
  client(trusting()).perform(req, in_ms(10000), nullptr);
  auto log = records();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].request_body, "{\"name\":\"vm-1\"}");
  EXPECT_FALSE(log[0].request_body_redacted);
  EXPECT_GT(log[0].duration.count(), -1);
}

// ---- Threads ---------------------------------------------------------------------------------

TEST_F(HostHttp, ConcurrentCallsFromManyThreads) {
  serve([](const SeenRequest& r) { return status(200, {}, r.target); });
  HostHttpClient c = client(trusting());
  constexpr int kThreads = 8;
  constexpr int kEach = 4;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string path = "/t" + std::to_string(t) + "/" + std::to_string(i);
        HostHttpResult r = c.perform(get(path), in_ms(20000), nullptr);
        if (r.ok() && r.response.status() == 200 && r.response.body() == path) ++good;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), kThreads * kEach);
  EXPECT_EQ(records().size(), static_cast<size_t>(kThreads * kEach));
}

}  // namespace
}  // namespace corral::manager::providers
