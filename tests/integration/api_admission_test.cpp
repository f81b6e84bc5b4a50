// The API listener answers from a request's headers, before any byte of its body is read: 401
// without a token, 411 for a body without Content-Length, 413 for a declared size over the limit,
// 429 when one client has too much in progress, 503 when the manager has. Raw TLS clients, because
// a real client would send its body at once and hide whether the server waited for it.
#include "tests/integration/harness/fleet_test.h"
#include "tests/integration/harness/raw_client.h"

namespace corral::testing {
namespace {

using namespace std::chrono_literals;

class ApiAdmissionTest : public FleetTest {
 protected:
  // Opens a TLS connection to the API and sends HEAD (a request line and headers, no body).
  std::unique_ptr<TlsConnection> send_head(const ManagerUnderTest& m, const std::string& head,
                                           const std::string& source_ip = "") {
    TlsClientOptions options{m.ca_pem(), "", ""};
    options.source_ip = source_ip;
    auto conn = TlsConnection::connect(m.api_port(), options);
    EXPECT_TRUE(conn.ok()) << conn.status().message();
    if (!conn.ok()) return nullptr;
    EXPECT_TRUE((*conn)->write(head).ok());
    return std::move(conn).value();
  }

  // Reads one response (headers and the body its Content-Length announces).
  static std::string read_response(TlsConnection& conn) {
    std::string in;
    while (true) {
      size_t end = in.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t length_at = in.find("content-length: ");
        size_t length = length_at == std::string::npos || length_at > end ? 0 : std::stoul(in.substr(length_at + 16));
        if (in.size() >= end + 4 + length) return in;
      }
      auto chunk = conn.read_some(10s);
      if (!chunk.ok() || chunk->empty()) return in;
      in += *chunk;
    }
  }

  static std::string bearer(const ManagerUnderTest& m) { return "Authorization: Bearer " + m.admin_token() + "\r\n"; }
};

TEST_F(ApiAdmissionTest, UnauthenticatedRequestIsAnsweredBeforeItsBodyIsSent) {
  auto m = start_manager();
  auto conn = send_head(*m, "POST /api/v1/join-tokens HTTP/1.1\r\nHost: localhost\r\nContent-Length: 500000\r\n\r\n");
  ASSERT_TRUE(conn);
  std::string response = read_response(*conn);
  EXPECT_EQ(response.rfind("HTTP/1.1 401", 0), 0u) << response;
  EXPECT_NE(response.find("\"reason\":\"unauthenticated\""), std::string::npos) << response;
  EXPECT_NE(response.find("connection: close"), std::string::npos) << "the unread body must not be parsed as a request";
  EXPECT_EQ(m->process().count_in_log("event=api.request method=POST path=/api/v1/join-tokens"), 0)
      << "the request never reached the core";
}

TEST_F(ApiAdmissionTest, OversizedBodyIsRefusedFromItsContentLength) {
  auto m = start_manager();
  auto conn = send_head(
      *m, "POST /api/v1/join-tokens HTTP/1.1\r\nHost: localhost\r\n" + bearer(*m) + "Content-Length: 2000000\r\n\r\n");
  ASSERT_TRUE(conn);
  EXPECT_EQ(read_response(*conn).rfind("HTTP/1.1 413", 0), 0u);

  // Enrollment needs no token, so its bodies are held to 64 KiB.
  conn = send_head(*m, "POST /api/v1/enroll HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n");
  ASSERT_TRUE(conn);
  std::string response = read_response(*conn);
  EXPECT_EQ(response.rfind("HTTP/1.1 413", 0), 0u) << response;
  EXPECT_NE(response.find("65536"), std::string::npos) << response;
}

TEST_F(ApiAdmissionTest, BodyWithoutContentLengthIsRefusedNotDispatchedEmpty) {
  auto m = start_manager();
  auto chunked = send_head(*m, "POST /api/v1/join-tokens HTTP/1.1\r\nHost: localhost\r\n" + bearer(*m) +
                                   "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   "2\r\n{}\r\n0\r\n\r\n");
  ASSERT_TRUE(chunked);
  std::string response = read_response(*chunked);
  EXPECT_EQ(response.rfind("HTTP/1.1 411", 0), 0u) << response;

  auto no_length =
      send_head(*m, "PUT /api/v1/provider-configs/x HTTP/1.1\r\nHost: localhost\r\n" + bearer(*m) + "\r\n");
  ASSERT_TRUE(no_length);
  EXPECT_EQ(read_response(*no_length).rfind("HTTP/1.1 411", 0), 0u);

  EXPECT_EQ(m->process().count_in_log("event=api.request method=POST path=/api/v1/join-tokens"), 0)
      << "a chunked body must not reach the core as an empty one";
}

TEST_F(ApiAdmissionTest, OneClientWithTooMuchInProgressGets429AndTheManager503) {
  auto m = start_manager("m", "api_max_requests_per_client: 1\napi_max_requests_in_flight: 1\n");
  // Admitted, then held: the body never comes.
  const std::string held_head = "POST /api/v1/join-tokens HTTP/1.1\r\nHost: localhost\r\n" + bearer(*m) +
                                "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n";
  auto held = send_head(*m, held_head);
  ASSERT_TRUE(held);
  const std::string list = "GET /api/v1/agents HTTP/1.1\r\nHost: localhost\r\n" + bearer(*m) + "\r\n";

  auto same_client = send_head(*m, list);
  ASSERT_TRUE(same_client);
  std::string response = read_response(*same_client);
  EXPECT_EQ(response.rfind("HTTP/1.1 429", 0), 0u) << response;
  EXPECT_NE(response.find("retry-after: 1"), std::string::npos) << response;

  auto other_client = send_head(*m, list, "127.0.0.2");
  ASSERT_TRUE(other_client);
  response = read_response(*other_client);
  EXPECT_EQ(response.rfind("HTTP/1.1 503", 0), 0u) << response;
  EXPECT_NE(response.find("retry-after: 1"), std::string::npos) << response;

  // Once the held request is answered, its place is free again.
  ASSERT_TRUE(held->write("{}").ok());
  EXPECT_EQ(read_response(*held).rfind("HTTP/1.1 201", 0), 0u);
  auto again = m->call("GET", "/api/v1/agents");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 200);
}

}  // namespace
}  // namespace corral::testing
