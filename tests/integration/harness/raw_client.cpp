#include "tests/integration/harness/raw_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "common/encoding.h"

namespace corral::testing {
namespace {

std::string openssl_errors() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

void set_timeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = (timeout.count() % 1000) * 1000;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

Result<int> tcp_connect(int port, const std::string& source_ip = "") {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (!source_ip.empty()) {
    sockaddr_in source{};
    source.sin_family = AF_INET;
    inet_pton(AF_INET, source_ip.c_str(), &source.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
      int e = errno;
      close(fd);
      return error(ErrorCode::unavailable, "bind " + source_ip + ": " + std::strerror(e));
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    close(fd);
    return error(ErrorCode::unavailable, std::string("connect: ") + std::strerror(e));
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool use_pem(SSL_CTX* ctx, const std::string& cert_pem, const std::string& key_pem) {
  BIO* cb = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
  BIO_free(cb);
  BIO* kb = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
  BIO_free(kb);
  bool ok = cert && key && SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  return ok;
}

bool trust_pem(SSL_CTX* ctx, const std::string& ca_pem) {
  BIO* b = BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size()));
  X509* ca = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  bool ok = ca && X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca) == 1;
  X509_free(ca);
  return ok;
}

}  // namespace

Result<std::unique_ptr<TlsConnection>> TlsConnection::connect(int port, const TlsClientOptions& options) {
  auto fd = tcp_connect(port, options.source_ip);
  if (!fd.ok()) return fd.status();
  std::unique_ptr<TlsConnection> c(new TlsConnection());
  c->fd_ = *fd;
  set_timeout(c->fd_, std::chrono::seconds(10));
  c->ctx_ = SSL_CTX_new(TLS_client_method());
  if (!options.tls12_only_ciphers.empty()) {
    SSL_CTX_set_min_proto_version(c->ctx_, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(c->ctx_, TLS1_2_VERSION);
    if (SSL_CTX_set_cipher_list(c->ctx_, options.tls12_only_ciphers.c_str()) != 1) {
      return error(ErrorCode::invalid_argument, "bad cipher list " + options.tls12_only_ciphers);
    }
  }
  if (!options.ca_pem.empty()) {
    if (!trust_pem(c->ctx_, options.ca_pem)) return error(ErrorCode::invalid_argument, "bad CA PEM");
    SSL_CTX_set_verify(c->ctx_, SSL_VERIFY_PEER, nullptr);
  }
  if (!options.certificate_pem.empty() && !use_pem(c->ctx_, options.certificate_pem, options.private_key_pem)) {
    return error(ErrorCode::invalid_argument, "bad client certificate or key PEM: " + openssl_errors());
  }
  c->ssl_ = SSL_new(c->ctx_);
  SSL_set_fd(c->ssl_, c->fd_);
  SSL_set_tlsext_host_name(c->ssl_, options.server_name.c_str());
  if (!options.ca_pem.empty()) SSL_set1_host(c->ssl_, options.server_name.c_str());
  ERR_clear_error();
  if (SSL_connect(c->ssl_) != 1) {
    return error(ErrorCode::permission_denied, "TLS handshake failed: " + openssl_errors());
  }
  return c;
}

TlsConnection::~TlsConnection() {
  if (ssl_) SSL_free(ssl_);
  if (ctx_) SSL_CTX_free(ctx_);
  if (fd_ >= 0) close(fd_);
}

Status TlsConnection::write(const std::string& bytes) {
  ERR_clear_error();
  size_t written = 0;
  if (SSL_write_ex(ssl_, bytes.data(), bytes.size(), &written) != 1 || written != bytes.size()) {
    last_error_ = openssl_errors();
    return error(ErrorCode::unavailable, "TLS write failed: " + last_error_);
  }
  return {};
}

Result<std::string> TlsConnection::read_some(std::chrono::milliseconds timeout) {
  set_timeout(fd_, timeout);
  char buf[65536];
  size_t n = 0;
  ERR_clear_error();
  if (SSL_read_ex(ssl_, buf, sizeof buf, &n) == 1) return std::string(buf, n);
  int err = SSL_get_error(ssl_, 0);
  if (err == SSL_ERROR_ZERO_RETURN) return std::string();
  last_error_ = openssl_errors();
  // SO_RCVTIMEO expiring shows up as WANT_READ (or SYSCALL with EAGAIN) on a blocking socket.
  if (err == SSL_ERROR_WANT_READ || (err == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))) {
    return error(ErrorCode::unavailable, "read timed out");
  }
  if (last_error_.empty()) last_error_ = "connection closed (SSL error " + std::to_string(err) + ")";
  return error(ErrorCode::permission_denied, last_error_);
}

bool TlsConnection::refused(std::chrono::milliseconds timeout) {
  auto r = read_some(timeout);
  if (r.ok()) return r->empty();  // orderly close without data
  return r.status().message() != "read timed out";
}

Result<std::unique_ptr<RawWebSocket>> RawWebSocket::open(int port, const TlsClientOptions& options,
                                                         const std::string& path, const std::string& protocol) {
  auto tls = TlsConnection::connect(port, options);
  if (!tls.ok()) return tls.status();
  std::string key = base64_encode(random_bytes(16));
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + options.server_name + ":" + std::to_string(port) +
                        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
                        "\r\nSec-WebSocket-Version: 13\r\n";
  if (!protocol.empty()) request += "Sec-WebSocket-Protocol: " + protocol + "\r\n";
  request += "\r\n";
  if (Status s = (*tls)->write(request); !s.ok()) return s;
  std::string response;
  while (response.find("\r\n\r\n") == std::string::npos) {
    auto chunk = (*tls)->read_some(std::chrono::seconds(10));
    if (!chunk.ok()) return error(chunk.status().code(), "websocket handshake: " + chunk.status().message());
    if (chunk->empty()) return error(ErrorCode::unavailable, "websocket handshake: connection closed by the server");
    response += *chunk;
  }
  size_t end = response.find("\r\n\r\n");
  std::string status_line = response.substr(0, response.find("\r\n"));
  if (status_line.find(" 101 ") == std::string::npos) {
    return error(ErrorCode::permission_denied, "websocket handshake refused: " + status_line);
  }
  std::unique_ptr<RawWebSocket> ws(new RawWebSocket());
  ws->tls_ = std::move(tls).value();
  ws->buffer_ = response.substr(end + 4);
  return ws;
}

Status RawWebSocket::send_frame(uint8_t opcode, const std::string& payload, bool fin) {
  std::string frame;
  frame.push_back(static_cast<char>((fin ? 0x80 : 0x00) | (opcode & 0x0f)));
  size_t len = payload.size();
  if (len < 126) {
    frame.push_back(static_cast<char>(0x80 | len));
  } else if (len < 65536) {
    frame.push_back(static_cast<char>(0x80 | 126));
    frame.push_back(static_cast<char>(len >> 8));
    frame.push_back(static_cast<char>(len & 0xff));
  } else {
    frame.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i) frame.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  }
  std::string mask = random_bytes(4);
  frame += mask;
  for (size_t i = 0; i < len; ++i) frame.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
  return tls_->write(frame);
}

Status RawWebSocket::send_unmasked_frame(uint8_t opcode, const std::string& payload) {
  std::string frame;
  frame.push_back(static_cast<char>(0x80 | (opcode & 0x0f)));
  if (payload.size() >= 126) return error(ErrorCode::invalid_argument, "unmasked test frames are short");
  frame.push_back(static_cast<char>(payload.size()));
  frame += payload;
  return tls_->write(frame);
}

Result<WsFrame> RawWebSocket::read_frame(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto need = [&](size_t n) -> Status {
    while (buffer_.size() < n) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return error(ErrorCode::unavailable, "read timed out");
      auto chunk = tls_->read_some(left);
      if (!chunk.ok()) return chunk.status();
      if (chunk->empty()) return error(ErrorCode::unavailable, "connection closed");
      buffer_ += *chunk;
    }
    return {};
  };
  if (Status s = need(2); !s.ok()) return s;
  uint8_t b0 = static_cast<uint8_t>(buffer_[0]);
  uint8_t b1 = static_cast<uint8_t>(buffer_[1]);
  size_t len = b1 & 0x7f;
  size_t header = 2;
  if (len == 126) {
    if (Status s = need(4); !s.ok()) return s;
    len = (static_cast<uint8_t>(buffer_[2]) << 8) | static_cast<uint8_t>(buffer_[3]);
    header = 4;
  } else if (len == 127) {
    if (Status s = need(10); !s.ok()) return s;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<uint8_t>(buffer_[2 + i]);
    header = 10;
  }
  if (Status s = need(header + len); !s.ok()) return s;
  WsFrame f;
  f.opcode = b0 & 0x0f;
  f.payload = buffer_.substr(header, len);
  buffer_.erase(0, header + len);
  if (f.opcode == 8 && f.payload.size() >= 2) {
    f.close_code =
        static_cast<uint16_t>((static_cast<uint8_t>(f.payload[0]) << 8) | static_cast<uint8_t>(f.payload[1]));
  }
  return f;
}

Result<uint16_t> RawWebSocket::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto f = read_frame(left);
    if (!f.ok()) {
      if (f.status().message() == "read timed out") return f.status();
      return static_cast<uint16_t>(0);  // closed without a close frame
    }
    if (f->opcode == 8) return f->close_code;
  }
  return error(ErrorCode::unavailable, "read timed out");
}

Result<std::string> plaintext_exchange(int port, const std::string& bytes, std::chrono::milliseconds timeout) {
  auto fd = tcp_connect(port);
  if (!fd.ok()) return fd.status();
  set_timeout(*fd, timeout);
  if (::send(*fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) < 0) {
    close(*fd);
    return error(ErrorCode::unavailable, "send failed");
  }
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::recv(*fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(*fd);
  return out;
}

}  // namespace corral::testing

namespace corral::testing {

Result<int> silent_connection(int port, const std::string& source_ip) { return tcp_connect(port, source_ip); }

bool closed_by_server(int fd, std::chrono::milliseconds timeout) {
  set_timeout(fd, timeout);
  char byte;
  ssize_t n = ::recv(fd, &byte, 1, 0);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

}  // namespace corral::testing
