#include "tests/unit/common/http/loopback_https_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>

namespace corral::testing {
namespace {

constexpr size_t kMaxRequestBytes = 4u << 20;

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
  }
}

bool iequal(const std::string& a, const char* b) {
  return a.size() == std::strlen(b) &&
         std::equal(a.begin(), a.end(), b, [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

// Header block "METHOD TARGET HTTP/1.1\r\nName: value\r\n..." (without the final blank line).
void parse_head(const std::string& head, LoopbackHttpsServer::Request* out) {
  size_t eol = head.find("\r\n");
  std::string line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = line.find(' ', sp1 + 1);
  out->method = line.substr(0, sp1);
  out->target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  size_t pos = eol == std::string::npos ? head.size() : eol + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string::npos) end = head.size();
    std::string field = head.substr(pos, end - pos);
    size_t colon = field.find(':');
    if (colon != std::string::npos) {
      std::string value = field.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      out->headers.emplace_back(field.substr(0, colon), value);
    }
    pos = end + 2;
  }
}

}  // namespace

struct LoopbackHttpsServer::Impl {
  SSL_CTX* ctx = nullptr;
  ~Impl() { SSL_CTX_free(ctx); }
};

Result<std::unique_ptr<LoopbackHttpsServer>> LoopbackHttpsServer::start(const std::string& cert_pem,
                                                                        const std::string& key_pem, Handler handler) {
  // A client that goes away mid-answer must not kill the test process.
  std::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<LoopbackHttpsServer> server(new LoopbackHttpsServer());
  server->handler_ = std::move(handler);
  server->impl_ = std::make_unique<Impl>();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return error(ErrorCode::internal, "SSL_CTX_new failed");
  server->impl_->ctx = ctx;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);

  BIO* cert_bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* leaf = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  bool ok = leaf != nullptr && SSL_CTX_use_certificate(ctx, leaf) == 1;
  X509_free(leaf);
  while (ok) {
    X509* extra = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
    if (extra == nullptr) break;
    SSL_CTX_add_extra_chain_cert(ctx, extra);  // takes ownership
  }
  BIO_free(cert_bio);
  BIO* key_bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  BIO_free(key_bio);
  ok = ok && key != nullptr && SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
  EVP_PKEY_free(key);
  ERR_clear_error();
  if (!ok) return error(ErrorCode::invalid_argument, "test server certificate or key does not load");

  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    return error(ErrorCode::unavailable, std::string("test server cannot listen: ") + std::strerror(errno));
  }
  server->listen_fd_ = fd;
  server->port_ = ntohs(addr.sin_port);
  server->acceptor_ = std::thread([s = server.get()] { s->accept_loop(); });
  return server;
}

LoopbackHttpsServer::~LoopbackHttpsServer() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (acceptor_.joinable()) acceptor_.join();
  {
    // Wakes workers blocked in a read.
    std::lock_guard lock(mu_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::string LoopbackHttpsServer::url(const std::string& path) const {
  return "https://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<LoopbackHttpsServer::Request> LoopbackHttpsServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

size_t LoopbackHttpsServer::request_count() const {
  std::lock_guard lock(mu_);
  return requests_.size();
}

std::vector<std::string> LoopbackHttpsServer::proxy_connects() const {
  std::lock_guard lock(mu_);
  return proxy_connects_;
}

void LoopbackHttpsServer::track(int fd, bool add) {
  std::lock_guard lock(mu_);
  if (add) {
    open_fds_.push_back(fd);
  } else {
    open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
  }
}

void LoopbackHttpsServer::accept_loop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    ++connections_;
    // A safety net: no read in a test waits longer than this.
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::lock_guard lock(mu_);
    open_fds_.push_back(fd);
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void LoopbackHttpsServer::serve(int fd) {
  SSL* ssl = nullptr;
  auto finish = [&] {
    if (ssl != nullptr) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
    }
    track(fd, false);
    ::close(fd);
    ERR_clear_error();
  };
  auto sleep_unless_stopping = [&](std::chrono::milliseconds d) {
    std::unique_lock lock(stop_mu_);
    stop_cv_.wait_for(lock, d, [&] { return stopping_.load(); });
  };

  // The proxy role: a plaintext CONNECT before the TLS handshake.
  std::string proxy_target;
  char first = 0;
  if (::recv(fd, &first, 1, MSG_PEEK) != 1) return finish();
  if (first == 'C') {
    std::string head;
    char c = 0;
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 8192 && ::recv(fd, &c, 1, 0) == 1) {
      head.push_back(c);
    }
    Request connect;
    parse_head(head, &connect);
    if (connect.method != "CONNECT") return finish();
    proxy_target = connect.target;
    {
      std::lock_guard lock(mu_);
      proxy_connects_.push_back(proxy_target);
    }
    static const char kEstablished[] = "HTTP/1.1 200 Connection established\r\n\r\n";
    if (::send(fd, kEstablished, sizeof kEstablished - 1, MSG_NOSIGNAL) < 0) return finish();
  }

  ssl = SSL_new(impl_->ctx);
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) != 1) return finish();

  std::string data;
  char buf[16384];
  size_t head_end = std::string::npos;
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos && data.size() < kMaxRequestBytes) {
    int n = SSL_read(ssl, buf, sizeof buf);
    if (n <= 0) return finish();
    data.append(buf, static_cast<size_t>(n));
  }
  if (head_end == std::string::npos) return finish();
  Request request;
  parse_head(data.substr(0, head_end), &request);
  request.proxy_connect = proxy_target;
  size_t content_length = 0;
  for (const auto& [name, value] : request.headers) {
    if (iequal(name, "Content-Length")) content_length = std::stoul(value);
  }
  request.body = data.substr(head_end + 4);
  while (request.body.size() < content_length && request.body.size() < kMaxRequestBytes) {
    int n = SSL_read(ssl, buf, sizeof buf);
    if (n <= 0) return finish();
    request.body.append(buf, static_cast<size_t>(n));
  }
  {
    std::lock_guard lock(mu_);
    request.index = static_cast<int>(requests_.size());
    requests_.push_back(request);
  }

  Reply reply = handler_(request);
  if (reply.close_without_reply) return finish();
  sleep_unless_stopping(reply.delay);
  if (reply.stall) {
    // Hold the connection until the client leaves (or sends anything, such as a TLS alert).
    while (!stopping_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) break;
    }
    return finish();
  }

  std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " " + reason_phrase(reply.status) + "\r\n";
  for (const auto& [name, value] : reply.headers) head += name + ": " + value + "\r\n";
  if (!reply.no_content_length) head += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
  head += "Connection: close\r\n\r\n";
  if (SSL_write(ssl, head.data(), static_cast<int>(head.size())) <= 0) return finish();
  if (request.method != "HEAD") {
    size_t step = reply.trickle_bytes == 0 ? reply.body.size() : reply.trickle_bytes;
    for (size_t off = 0; off < reply.body.size() && !stopping_; off += step) {
      size_t n = std::min(step, reply.body.size() - off);
      if (SSL_write(ssl, reply.body.data() + off, static_cast<int>(n)) <= 0) break;
      if (off == 0 && reply.after_first_piece) reply.after_first_piece();
      if (reply.trickle_bytes != 0) sleep_unless_stopping(reply.trickle_pause);
    }
  }
  finish();
}

ClosedPort::ClosedPort() {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
  socklen_t len = sizeof addr;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
}

ClosedPort::~ClosedPort() { ::close(fd_); }

}  // namespace corral::testing
