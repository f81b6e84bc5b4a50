#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/http/client.h"

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
  // The kernel completes the TCP handshake into the backlog; the TLS handshake never answers.
  LoopbackPort silent(true);
  Request request;
  request.method = "POST";
  request.url = "https://127.0.0.1:" + std::to_string(silent.port()) + "/api/v1/enroll";
  request.body = "{}";
  request.timeout = std::chrono::milliseconds(300);
  auto start = std::chrono::steady_clock::now();
  auto response = perform(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), ErrorCode::unavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
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

}  // namespace
}  // namespace corral::http
