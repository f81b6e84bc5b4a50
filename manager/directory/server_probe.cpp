#include "manager/directory/server_probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "common/tls/openssl_util.h"

namespace corral::manager::directory {
namespace {

// The LDAP StartTLS extended request (RFC 4511 4.14.1), message id 1.
constexpr std::string_view kStartTlsRequest =
    "\x30\x1d\x02\x01\x01\x77\x18\x80\x16"
    "1.3.6.1.4.1.1466.20037";

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool read_exact(int fd, unsigned char* out, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t got = ::recv(fd, out + done, n - done, 0);
    if (got <= 0) return false;
    done += static_cast<size_t>(got);
  }
  return true;
}

// Sends StartTLS and reads (without judging) the server's one-message answer.
bool start_tls(int fd) {
  if (::send(fd, kStartTlsRequest.data(), kStartTlsRequest.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(kStartTlsRequest.size())) {
    return false;
  }
  std::array<unsigned char, 2> head{};
  if (!read_exact(fd, head.data(), 2) || head[0] != 0x30) return false;
  size_t length = head[1];
  if (head[1] & 0x80) {
    const size_t bytes = head[1] & 0x7f;
    if (bytes == 0 || bytes > 3) return false;
    std::array<unsigned char, 3> len{};
    if (!read_exact(fd, len.data(), bytes)) return false;
    length = 0;
    for (size_t i = 0; i < bytes; ++i) length = (length << 8) | len[i];
  }
  std::string body(length, '\0');
  return read_exact(fd, reinterpret_cast<unsigned char*>(body.data()), length);
}

bool is_ip_literal(const std::string& host) {
  std::array<unsigned char, 16> buf{};
  return ::inet_pton(AF_INET, host.c_str(), buf.data()) == 1 || ::inet_pton(AF_INET6, host.c_str(), buf.data()) == 1;
}

}  // namespace

int tcp_connect(const LdapUrl& url, std::chrono::milliseconds timeout, std::string& why) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(url.host.c_str(), std::to_string(url.port).c_str(), &hints, &found); rc != 0) {
    why = ::gai_strerror(rc);
    return -1;
  }
  why = "no address";
  int result = -1;
  for (addrinfo* a = found; a != nullptr && result < 0; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
      if (rc == 0) {
        why = "timed out after " + std::to_string(timeout.count()) + " ms";
        rc = -1;
      } else if (rc > 0) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        rc = err == 0 ? 0 : -1;
        if (err != 0) why = std::strerror(err);
      }
    } else if (rc != 0) {
      why = std::strerror(errno);
    }
    if (rc == 0) {
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      timeval tv{static_cast<time_t>(timeout.count() / 1000),
                 static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      result = fd;
    } else {
      ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  return result;
}

std::string diagnose_tls(const LdapUrl& url, const std::string& ca_pem, std::chrono::milliseconds timeout) {
  tls::detail::ErrorQueueScope errors;
  std::string why;
  Fd sock{tcp_connect(url, timeout, why)};
  if (sock.fd < 0) return "cannot reconnect to diagnose: " + why;
  if (!url.ldaps && !start_tls(sock.fd)) return "the server did not answer StartTLS";

  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!ctx) return "";
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (ca_pem.empty()) {
    SSL_CTX_set_default_verify_paths(ctx.get());
  } else {
    auto certs = tls::detail::parse_certificate_bundle_pem(ca_pem, "CA certificate");
    if (!certs.ok()) return certs.status().message();
    for (auto& cert : certs.value()) X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.get()), cert.get());
  }
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  if (!ssl) return "";
  if (is_ip_literal(url.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), url.host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl.get(), url.host.c_str());
    SSL_set1_host(ssl.get(), url.host.c_str());
  }
  SSL_set_fd(ssl.get(), sock.fd);
  if (SSL_connect(ssl.get()) == 1) {
    SSL_shutdown(ssl.get());
    return "";
  }
  long verify = SSL_get_verify_result(ssl.get());
  if (verify != X509_V_OK) return std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
  std::string queued = tls::detail::drain_openssl_errors();
  return queued.empty() ? "the handshake failed" : queued;
}

}  // namespace corral::manager::directory
