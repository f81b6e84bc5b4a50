#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <memory>

#include "common/http/client.h"
#include "tests/unit/common/http/loopback_https_server.h"
#include "tests/unit/common/http/test_pki.h"

namespace corral::http {
namespace {

// A loopback TCP socket bound to a free port. Without listen() the kernel refuses connections
// to it, and holding it keeps any other process from taking the port mid-test.
class LoopbackPort {
 public:
  explicit LoopbackPort(bool listening) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (listening) ::listen(fd_, 4);
  }
  ~LoopbackPort() { ::close(fd_); }
  LoopbackPort(const LoopbackPort&) = delete;
  LoopbackPort& operator=(const LoopbackPort&) = delete;

  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class HttpClient : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { global_init(); }
};

TEST_F(HttpClient, ConnectionRefusedIsUnavailableAndNamesTheUrlNotTheToken) {
  LoopbackPort closed(false);
  ASSERT_NE(closed.port(), 0);
  Request request;
  request.url = "https://127.0.0.1:" + std::to_string(closed.port()) + "/api/v1/agents";
  request.headers.emplace_back("Authorization", "Bearer cadm.id.very-secret-value");
  request.timeout = std::chrono::milliseconds(5000);

  auto response = perform(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), ErrorCode::unavailable);
  EXPECT_NE(response.status().message().find(request.url), std::string::npos) << response.status().message();
  EXPECT_EQ(response.status().message().find("very-secret-value"), std::string::npos);
}

TEST_F(HttpClient, SilentServerTimesOut) {
  // The kernel completes the TCP handshake into the backlog; the TLS handshake never answers, so
  // only the request's timeout can end the exchange.
  LoopbackPort silent(true);
  Request request;
  request.method = "POST";
  request.url = "https://127.0.0.1:" + std::to_string(silent.port()) + "/api/v1/enroll";
  request.body = "{}";
  request.timeout = std::chrono::milliseconds(300);
  Exchange x = exchange(request);
  EXPECT_EQ(x.failure, Failure::timed_out) << x.status.message();
  EXPECT_TRUE(x.transient);
  EXPECT_FALSE(x.request_may_have_been_sent) << "the TLS handshake never completed";
  EXPECT_EQ(x.status.code(), ErrorCode::unavailable);
  // libcurl words it "Connection timed out after ..." or "SSL connection timeout", by phase.
  std::string message = x.status.message();
  std::transform(message.begin(), message.end(), message.begin(), [](unsigned char c) { return std::tolower(c); });
  EXPECT_TRUE(message.find("timed out") != std::string::npos || message.find("timeout") != std::string::npos)
      << x.status.message();
  EXPECT_NE(x.status.message().find(request.url), std::string::npos) << x.status.message();
}

TEST_F(HttpClient, MalformedUrlIsAnError) {
  Request request;
  request.url = "https://[::1/agents";
  auto response = perform(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), ErrorCode::invalid_argument) << response.status().message();
}

TEST_F(HttpClient, OnlyWebProtocols) {
  Request request;
  request.url = "file:///etc/passwd";
  auto response = perform(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), ErrorCode::invalid_argument) << response.status().message();
}

TEST_F(HttpClient, OnlyHttpAndHttpsEvenWhenLibcurlKnowsTheScheme) {
  for (const char* url : {"ftp://127.0.0.1/x", "gopher://127.0.0.1/", "ldap://127.0.0.1/", "dict://127.0.0.1/"}) {
    Request request;
    request.url = url;
    Exchange x = exchange(request);
    EXPECT_EQ(x.failure, Failure::invalid_request) << url;
    EXPECT_NE(x.status.message().find("only http and https"), std::string::npos) << x.status.message();
  }
}

TEST_F(HttpClient, UnknownMethodIsRejected) {
  Request request;
  request.method = "BREW";
  request.url = "https://127.0.0.1:1/";
  auto response = perform(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), ErrorCode::invalid_argument);
}

TEST_F(HttpClient, CredentialsInTheUrlAreRedacted) {
  LoopbackPort closed(false);
  Request request;
  request.url = "https://admin:hunter2@127.0.0.1:" + std::to_string(closed.port()) + "/x";
  auto response = perform(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().message().find("hunter2"), std::string::npos) << response.status().message();
  EXPECT_NE(response.status().message().find("127.0.0.1"), std::string::npos);
}

TEST_F(HttpClient, ClientCertificateNeedsItsKey) {
  Request request;
  request.url = "https://127.0.0.1:1/";
  request.tls.client_cert_pem = "-----BEGIN CERTIFICATE-----\n";
  auto response = perform(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), ErrorCode::invalid_argument);
}

TEST_F(HttpClient, HeaderLineBreaksAreRejectedWithoutEchoingTheValue) {
  Request request;
  request.url = "https://127.0.0.1:1/";
  request.headers.emplace_back("Authorization", "Bearer secret-part\r\nX-Evil: 1");
  auto response = perform(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), ErrorCode::invalid_argument);
  EXPECT_NE(response.status().message().find("Authorization"), std::string::npos);
  EXPECT_EQ(response.status().message().find("secret-part"), std::string::npos);
}

TEST_F(HttpClient, InvalidHeaderNameIsRejected) {
  for (const char* name : {"", "Bad Name", "Colon:", "Line\nBreak"}) {
    Request request;
    request.url = "https://127.0.0.1:1/";
    request.headers.emplace_back(name, "v");
    Exchange x = exchange(request);
    EXPECT_EQ(x.failure, Failure::invalid_request) << name;
  }
}

TEST_F(HttpClient, RefusedConnectionIsTransientAndSentNothing) {
  LoopbackPort closed(false);
  Request request;
  request.method = "POST";
  request.url = "https://127.0.0.1:" + std::to_string(closed.port()) + "/";
  Exchange x = exchange(request);
  EXPECT_EQ(x.failure, Failure::transport);
  EXPECT_TRUE(x.transient);
  EXPECT_FALSE(x.request_may_have_been_sent);
}

// Against a real HTTPS server with a certificate from a test CA.
class HttpClientWithServer : public HttpClient {
 protected:
  void SetUp() override {
    auto pki = testing::make_test_pki("corral http test CA");
    ASSERT_TRUE(pki.ok()) << pki.status().to_string();
    pki_ = *pki;
  }
  void serve(testing::LoopbackHttpsServer::Handler handler) {
    auto server = testing::LoopbackHttpsServer::start(pki_.server_cert_pem, pki_.server_key_pem, std::move(handler));
    ASSERT_TRUE(server.ok()) << server.status().to_string();
    server_ = std::move(*server);
  }
  Request trusting(const std::string& path) const {
    Request request;
    request.url = server_->url(path);
    request.tls.ca_pem = pki_.ca_pem;
    request.timeout = std::chrono::milliseconds(10000);
    return request;
  }

  testing::TestPki pki_;
  std::unique_ptr<testing::LoopbackHttpsServer> server_;
};

using Reply = testing::LoopbackHttpsServer::Reply;

TEST_F(HttpClientWithServer, ResponseHeadersKeepTheirOrderAndSpelling) {
  serve([](const auto&) {
    Reply r;
    r.headers = {{"X-Second", "b"}, {"x-first", "  a  "}, {"X-Second", "c"}, {"ETag", "\"v1\""}};
    r.body = "hello";
    return r;
  });
  auto response = perform(trusting("/h"));
  ASSERT_TRUE(response.ok()) << response.status().to_string();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
  Headers expected = {{"X-Second", "b"}, {"x-first", "a"}, {"X-Second", "c"}, {"ETag", "\"v1\""}};
  ASSERT_GE(response->headers.size(), expected.size());
  EXPECT_EQ(Headers(response->headers.begin(), response->headers.begin() + 4), expected);
}

TEST_F(HttpClientWithServer, HeadReadsNoBody) {
  serve([](const auto&) {
    Reply r;
    r.body = "not sent for HEAD";
    return r;
  });
  Request request = trusting("/");
  request.method = "HEAD";
  auto response = perform(request);
  ASSERT_TRUE(response.ok()) << response.status().to_string();
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->body.empty());
  ASSERT_EQ(server_->request_count(), 1u);
  EXPECT_EQ(server_->requests()[0].method, "HEAD");
}

TEST_F(HttpClientWithServer, SendsHeadersAsGivenAndNoFormContentType) {
  serve([](const auto&) { return Reply{}; });
  Request request = trusting("/p");
  request.method = "PATCH";
  request.body = "{\"a\":1}";
  request.headers = {{"X-Empty", ""}, {"X-Custom", "value"}};
  auto response = perform(request);
  ASSERT_TRUE(response.ok()) << response.status().to_string();
  ASSERT_EQ(server_->request_count(), 1u);
  auto seen = server_->requests()[0];
  EXPECT_EQ(seen.method, "PATCH");
  EXPECT_EQ(seen.body, "{\"a\":1}");
  bool empty_seen = false;
  for (const auto& [name, value] : seen.headers) {
    EXPECT_NE(name, "Content-Type") << value;
    EXPECT_NE(name, "Expect");
    if (name == "X-Empty") empty_seen = value.empty();
  }
  EXPECT_TRUE(empty_seen);
}

TEST_F(HttpClientWithServer, UntrustedCertificateFailsAndIsNotTransient) {
  serve([](const auto&) { return Reply{}; });
  auto other = testing::make_test_pki("some other CA");
  ASSERT_TRUE(other.ok());
  Request request = trusting("/");
  request.tls.ca_pem = other->ca_pem;
  Exchange x = exchange(request);
  EXPECT_EQ(x.failure, Failure::tls) << x.status.message();
  EXPECT_FALSE(x.transient);
  EXPECT_EQ(server_->request_count(), 0u);
}

TEST_F(HttpClientWithServer, SharedTrustStoreWithOrWithoutTheSystemStore) {
  serve([](const auto&) { return Reply{}; });
  auto other = testing::make_test_pki("some other CA");
  ASSERT_TRUE(other.ok());
  for (bool with_system : {true, false}) {
    auto trusted = TrustStore::create(other->ca_pem + pki_.ca_pem, with_system);
    ASSERT_TRUE(trusted.ok()) << trusted.status().to_string();
    Request request = trusting("/");
    request.tls.ca_pem.clear();
    request.tls.trust_store = *trusted;
    auto response = perform(request);
    ASSERT_TRUE(response.ok()) << response.status().to_string();
    EXPECT_EQ(response->status, 200);

    auto untrusted = TrustStore::create(other->ca_pem, with_system);
    ASSERT_TRUE(untrusted.ok());
    request.tls.trust_store = *untrusted;
    Exchange x = exchange(request);
    EXPECT_EQ(x.failure, Failure::tls) << with_system << " " << x.status.message();
  }
  // The system store alone does not know the test CA.
  auto system = TrustStore::create("", true);
  ASSERT_TRUE(system.ok());
  Request request = trusting("/");
  request.tls.ca_pem.clear();
  request.tls.trust_store = *system;
  EXPECT_EQ(exchange(request).failure, Failure::tls);
}

TEST(TrustStore, RefusesWhatIsNotACertificate) {
  EXPECT_FALSE(TrustStore::create("", false).ok());
  EXPECT_FALSE(TrustStore::create("not a certificate", false).ok());
  auto pki = testing::make_test_pki("a CA");
  ASSERT_TRUE(pki.ok());
  EXPECT_TRUE(TrustStore::create(pki->ca_pem, false).ok());
  // A good certificate followed by a broken one.
  std::string broken = pki->ca_pem + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  EXPECT_FALSE(TrustStore::create(broken, false).ok());
}

TEST_F(HttpClientWithServer, BodyOverTheLimitStopsTheTransfer) {
  for (bool announced : {true, false}) {
    serve([announced](const auto&) {
      Reply r;
      r.body = std::string(64 * 1024, 'x');
      r.no_content_length = !announced;
      return r;
    });
    Request request = trusting("/big");
    request.max_body_bytes = 1000;
    Exchange x = exchange(request);
    EXPECT_EQ(x.failure, Failure::body_too_large) << announced << " " << x.status.message();
    EXPECT_NE(x.status.message().find("1000"), std::string::npos) << x.status.message();
    EXPECT_FALSE(x.transient);
  }
}

// The request reaches the server, which never answers. libcurl has no limit of its own on a
// transfer, so only Request::timeout can end this exchange.
TEST_F(HttpClientWithServer, StalledAnswerTimesOut) {
  serve([](const auto&) {
    Reply r;
    r.stall = true;
    return r;
  });
  Request request = trusting("/stall");
  // On a slow machine this may pass during the TLS handshake instead; either way only the
  // timeout ends the exchange.
  request.timeout = std::chrono::milliseconds(300);
  Exchange x = exchange(request);
  EXPECT_EQ(x.failure, Failure::timed_out) << x.status.message();
  EXPECT_TRUE(x.transient);
  EXPECT_EQ(x.status.code(), ErrorCode::unavailable);
}

// The request reaches the server, which never answers; the caller says stop once the server
// has it. Only the abort can end the exchange before its timeout (a safety net far longer than
// any handshake), and it ends it on the first ask after the signal.
TEST_F(HttpClientWithServer, AbortStopsAStalledRequestAtOnce) {
  std::atomic<bool> arrived{false};
  serve([&arrived](const auto&) {
    arrived = true;
    Reply r;
    r.stall = true;
    return r;
  });
  Request request = trusting("/stall");
  request.timeout = std::chrono::seconds(60);
  int asked_after_arrival = 0;
  request.abort = [&] {
    if (!arrived) return false;
    ++asked_after_arrival;
    return true;
  };
  Exchange x = exchange(request);
  EXPECT_EQ(x.failure, Failure::aborted) << x.status.message();
  EXPECT_NE(x.status.message().find("stopped by the caller"), std::string::npos) << x.status.message();
  EXPECT_FALSE(x.transient);
  EXPECT_TRUE(x.request_may_have_been_sent);
  EXPECT_EQ(asked_after_arrival, 1);
  EXPECT_EQ(server_->request_count(), 1u);
}

TEST_F(HttpClientWithServer, ConnectionClosedAfterTheRequestMayHaveBeenSent) {
  serve([](const auto&) {
    Reply r;
    r.close_without_reply = true;
    return r;
  });
  Request request = trusting("/");
  request.method = "POST";
  request.body = "{}";
  Exchange x = exchange(request);
  EXPECT_EQ(x.failure, Failure::transport) << x.status.message();
  EXPECT_TRUE(x.transient);
  EXPECT_TRUE(x.request_may_have_been_sent);
}

TEST_F(HttpClientWithServer, ProxyFromOptionsTunnelsAndTheEnvironmentIsIgnored) {
  serve([](const auto&) { return Reply{}; });
  LoopbackPort nothing(false);
  // Through the proxy (the test server in its proxy role) to a port nobody listens on: only the
  // proxy can have answered.
  Request request = trusting("/");
  request.url = "https://127.0.0.1:" + std::to_string(nothing.port()) + "/via-proxy";
  request.proxy.from_environment = false;
  request.proxy.url = "http://127.0.0.1:" + std::to_string(server_->port());
  auto response = perform(request);
  ASSERT_TRUE(response.ok()) << response.status().to_string();
  ASSERT_EQ(server_->proxy_connects().size(), 1u);
  EXPECT_EQ(server_->proxy_connects()[0], "127.0.0.1:" + std::to_string(nothing.port()));

  // A proxy in the environment that does not exist: used only when asked to.
  ::setenv("https_proxy", ("http://127.0.0.1:" + std::to_string(nothing.port())).c_str(), 1);
  ::unsetenv("no_proxy");
  ::unsetenv("NO_PROXY");
  Request direct = trusting("/direct");
  direct.proxy.from_environment = false;
  auto ok = perform(direct);
  Request via_environment = trusting("/env");
  via_environment.proxy.from_environment = true;
  auto refused = perform(via_environment);
  ::unsetenv("https_proxy");
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_FALSE(refused.ok());

  // no_proxy from the options sends the request around the proxy.
  Request around = trusting("/around");
  around.proxy.from_environment = false;
  around.proxy.url = "http://127.0.0.1:" + std::to_string(nothing.port());
  around.proxy.no_proxy = "127.0.0.1";
  auto bypassed = perform(around);
  EXPECT_TRUE(bypassed.ok()) << bypassed.status().to_string();
}

}  // namespace
}  // namespace corral::http
