#include "manager/providers/plugin_host_protocol.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace corral::manager::providers::pipe_protocol {
namespace {

void put(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t get(const std::string& in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

std::string framed(const std::string& body) {
  std::string out;
  put(&out, body.size(), 4);
  return out + body;
}

bool read_all(int fd, char* data, size_t n) {
  while (n > 0) {
    ssize_t r = ::read(fd, data, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    data += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

}  // namespace

std::string encode(const Request& r) {
  std::string body;
  put(&body, r.id, 8);
  put(&body, r.method, 4);
  put(&body, r.timeout_ms, 4);
  return framed(body + r.payload);
}

std::string encode(const Response& r) {
  std::string body;
  put(&body, r.id, 8);
  put(&body, static_cast<uint32_t>(r.status), 4);
  return framed(body + r.payload);
}

std::optional<Request> decode_request(const std::string& body) {
  if (body.size() < 16) return std::nullopt;
  Request r;
  r.id = get(body, 0, 8);
  r.method = static_cast<uint32_t>(get(body, 8, 4));
  r.timeout_ms = static_cast<uint32_t>(get(body, 12, 4));
  r.payload = body.substr(16);
  return r;
}

std::optional<Response> decode_response(const std::string& body) {
  if (body.size() < 12) return std::nullopt;
  Response r;
  r.id = get(body, 0, 8);
  r.status = static_cast<int32_t>(static_cast<uint32_t>(get(body, 8, 4)));
  r.payload = body.substr(12);
  return r;
}

bool write_all(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    done += static_cast<size_t>(w);
  }
  return true;
}

bool send_all(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t w = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    done += static_cast<size_t>(w);
  }
  return true;
}

std::optional<std::string> read_frame(int fd) {
  char head[4];
  if (!read_all(fd, head, 4)) return std::nullopt;
  uint32_t len = static_cast<uint32_t>(get(std::string(head, 4), 0, 4));
  if (len > kMaxFrameBytes) return std::nullopt;
  std::string body(len, '\0');
  if (len > 0 && !read_all(fd, body.data(), len)) return std::nullopt;
  return body;
}

}  // namespace corral::manager::providers::pipe_protocol
