// A real HTTPS server on 127.0.0.1 for tests of the HTTP clients: OpenSSL on plain sockets, one
// thread and one request per connection, answers scripted by the test. It also plays an HTTP
// proxy: a connection that opens with "CONNECT host:port" is answered 200 and then served as
// TLS on the same socket, whatever the target.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/result.h"

namespace corral::testing {

class LoopbackHttpsServer {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  struct Request {
    std::string method;
    std::string target;  // "/path?query"
    Headers headers;
    std::string body;
    std::string proxy_connect;  // the CONNECT target when it came through the proxy role
    int index = 0;              // 0 for the first request the server received
  };

  struct Reply {
    int status = 200;
    Headers headers;  // sent first, in this order
    std::string body;
    // Wait this long before answering.
    std::chrono::milliseconds delay{0};
    // Never answer; hold the connection until the client goes away or the server stops.
    bool stall = false;
    // Close the connection without a byte of answer.
    bool close_without_reply = false;
    // Send the body in pieces of this size with a pause between them (0: all at once).
    size_t trickle_bytes = 0;
    std::chrono::milliseconds trickle_pause{0};
    // No Content-Length: the body ends when the connection closes.
    bool no_content_length = false;
    // Called (on the server's thread) once the head and the first piece of the body are sent, so
    // a test can act while the client is surely mid-transfer.
    std::function<void()> after_first_piece;
  };

  using Handler = std::function<Reply(const Request&)>;

  // CERT_PEM may hold a chain (leaf first).
  static Result<std::unique_ptr<LoopbackHttpsServer>> start(const std::string& cert_pem, const std::string& key_pem,
                                                            Handler handler);
  ~LoopbackHttpsServer();
  LoopbackHttpsServer(const LoopbackHttpsServer&) = delete;
  LoopbackHttpsServer& operator=(const LoopbackHttpsServer&) = delete;

  int port() const { return port_; }
  // "https://127.0.0.1:PORT" + path
  std::string url(const std::string& path) const;

  std::vector<Request> requests() const;
  size_t request_count() const;
  // TCP connections accepted, whether or not their TLS handshake succeeded.
  size_t connection_count() const { return connections_.load(); }
  // CONNECT targets seen, in order.
  std::vector<std::string> proxy_connects() const;

 private:
  LoopbackHttpsServer() = default;
  void accept_loop();
  void serve(int fd);
  void track(int fd, bool add);

  struct Impl;
  std::unique_ptr<Impl> impl_;
  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  // Wakes a scripted delay or trickle pause when the server stops.
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  std::atomic<size_t> connections_{0};
  std::thread acceptor_;

  mutable std::mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<int> open_fds_;
  std::vector<Request> requests_;
  std::vector<std::string> proxy_connects_;
};

// A loopback TCP port that nothing answers on (bound, never listening), held for the test's
// lifetime so no other process takes it.
class ClosedPort {
 public:
  ClosedPort();
  ~ClosedPort();
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace corral::testing
