// Byte-level TLS and websocket clients for integration tests that must do what a real agent
// never would: present a certificate from another CA, speak plaintext, or send a garbage or
// oversized frame. Blocking OpenSSL on a socket with timeouts; test code only.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"

namespace corral::testing {

struct TlsClientOptions {
  std::string ca_pem;  // verify the server against this CA (empty: no verification)
  std::string certificate_pem;
  std::string private_key_pem;
  std::string server_name = "localhost";
  // TLS 1.2 only, offering just these suites (OpenSSL names), when not empty.
  std::string tls12_only_ciphers;
  // Connect from this loopback address (127.0.0.1 when empty).
  std::string source_ip;
};

class TlsConnection {
 public:
  // TCP connect and TLS handshake. With TLS 1.3 the server judges the client certificate after
  // the client's side completes, so a refusal may only show on the first read: see refused().
  static Result<std::unique_ptr<TlsConnection>> connect(int port, const TlsClientOptions& options);
  ~TlsConnection();

  Status write(const std::string& bytes);
  // Reads what is available (up to 64 KiB); empty with ok status on orderly close.
  Result<std::string> read_some(std::chrono::milliseconds timeout);
  // True when the server aborts the connection (TLS alert or close) without sending data.
  bool refused(std::chrono::milliseconds timeout);
  std::string last_error() const { return last_error_; }

 private:
  TlsConnection() = default;
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string last_error_;
};

struct WsFrame {
  uint8_t opcode = 0;
  std::string payload;
  uint16_t close_code = 0;  // for opcode 8
};

class RawWebSocket {
 public:
  // Opens a websocket (HTTP/1.1 upgrade) over TLS; an error carries the server's status line.
  static Result<std::unique_ptr<RawWebSocket>> open(int port, const TlsClientOptions& options,
                                                    const std::string& path = "/agent/v1",
                                                    const std::string& protocol = "corral.agent.v1");
  // Sends one masked frame (client frames must be masked).
  Status send_frame(uint8_t opcode, const std::string& payload, bool fin = true);
  // Sends one frame without a mask, as no conforming client would.
  Status send_unmasked_frame(uint8_t opcode, const std::string& payload);
  Result<WsFrame> read_frame(std::chrono::milliseconds timeout);
  // Reads until a close frame or the end of the stream; returns the close code (0 if none).
  Result<uint16_t> wait_closed(std::chrono::milliseconds timeout);

 private:
  std::unique_ptr<TlsConnection> tls_;
  std::string buffer_;
};

// Plain TCP: send BYTES and return whatever comes back before the server closes or TIMEOUT.
Result<std::string> plaintext_exchange(int port, const std::string& bytes, std::chrono::milliseconds timeout);

// A TCP connection to 127.0.0.1:PORT from SOURCE_IP (any 127.x address) that sends nothing.
Result<int> silent_connection(int port, const std::string& source_ip);
// True when the server closes FD (end of stream or reset) within TIMEOUT.
bool closed_by_server(int fd, std::chrono::milliseconds timeout);

}  // namespace corral::testing
