#include "manager/providers/plugin_host_protocol.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

namespace corral::manager::providers::pipe_protocol {
namespace {

using Clock = std::chrono::steady_clock;

void put(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t get(const std::string& in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

// Milliseconds left until DEADLINE for poll(): -1 without one, 0 once passed.
int left_ms(const std::optional<Clock::time_point>& deadline) {
  if (!deadline) return -1;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left, 1 << 30));
}

std::optional<Clock::time_point> deadline_in(int timeout_ms) {
  if (timeout_ms < 0) return std::nullopt;
  return Clock::now() + std::chrono::milliseconds(timeout_ms);
}

// Waits until FD is ready for EVENTS; false on timeout or error.
bool wait_ready(int fd, short events, const std::optional<Clock::time_point>& deadline) {
  while (true) {
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, left_ms(deadline));
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

// eof only when the input ended before the first byte; ended part-way, it is a broken frame.
ReadStatus read_exact(int fd, char* data, size_t n, const std::optional<Clock::time_point>& deadline) {
  const size_t wanted = n;
  while (n > 0) {
    if (deadline && !wait_ready(fd, POLLIN, deadline)) return ReadStatus::timeout;
    ssize_t r = ::read(fd, data, n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return ReadStatus::io_error;
    if (r == 0) return n == wanted ? ReadStatus::eof : ReadStatus::io_error;
    data += r;
    n -= static_cast<size_t>(r);
  }
  return ReadStatus::ok;
}

}  // namespace

std::optional<std::string> encode(const Frame& f) {
  std::string body;
  body.push_back(static_cast<char>(f.type));
  put(&body, f.id, 8);
  switch (f.type) {
    case FrameType::call:
      put(&body, f.method, 4);
      put(&body, f.timeout_ms, 4);
      break;
    case FrameType::ready:
    case FrameType::result: put(&body, static_cast<uint32_t>(f.status), 4); break;
    case FrameType::hello:
    case FrameType::cancel: break;
  }
  if (f.type != FrameType::cancel) body += f.payload;
  if (body.size() > kMaxFrameBytes) return std::nullopt;
  std::string out;
  out.reserve(4 + body.size());
  put(&out, body.size(), 4);
  return out + body;
}

std::optional<Frame> decode(const std::string& body) {
  if (body.size() < 9) return std::nullopt;
  Frame f;
  uint8_t type = static_cast<uint8_t>(body[0]);
  f.id = get(body, 1, 8);
  size_t at = 9;
  switch (type) {
    case static_cast<uint8_t>(FrameType::call):
      if (body.size() < at + 8) return std::nullopt;
      f.method = static_cast<uint32_t>(get(body, at, 4));
      f.timeout_ms = static_cast<uint32_t>(get(body, at + 4, 4));
      at += 8;
      break;
    case static_cast<uint8_t>(FrameType::ready):
    case static_cast<uint8_t>(FrameType::result):
      if (body.size() < at + 4) return std::nullopt;
      f.status = static_cast<int32_t>(static_cast<uint32_t>(get(body, at, 4)));
      at += 4;
      break;
    case static_cast<uint8_t>(FrameType::hello): break;
    case static_cast<uint8_t>(FrameType::cancel):
      if (body.size() != at) return std::nullopt;
      break;
    default: return std::nullopt;
  }
  f.type = static_cast<FrameType>(type);
  f.payload = body.substr(at);
  return f;
}

ReadStatus read_frame(int fd, std::string* body, int timeout_ms) {
  auto deadline = deadline_in(timeout_ms);
  char head[4];
  if (ReadStatus s = read_exact(fd, head, 4, deadline); s != ReadStatus::ok) return s;
  uint32_t len = static_cast<uint32_t>(get(std::string(head, 4), 0, 4));
  if (len == 0 || len > kMaxFrameBytes) return ReadStatus::too_large;
  // The body grows as its bytes arrive, so a length alone cannot make this side allocate 16 MiB.
  body->clear();
  char chunk[64 * 1024];
  for (uint32_t left = len; left > 0;) {
    uint32_t n = std::min<uint32_t>(left, sizeof chunk);
    ReadStatus s = read_exact(fd, chunk, n, deadline);
    // EOF in the middle of a frame is a broken channel, not a clean end.
    if (s != ReadStatus::ok) return s == ReadStatus::eof ? ReadStatus::io_error : s;
    body->append(chunk, n);
    left -= n;
  }
  return ReadStatus::ok;
}

bool write_all(int fd, const std::string& bytes, int timeout_ms) {
  auto deadline = deadline_in(timeout_ms);
  size_t done = 0;
  while (done < bytes.size()) {
    int flags = MSG_NOSIGNAL | (deadline ? MSG_DONTWAIT : 0);
    ssize_t w = ::send(fd, bytes.data() + done, bytes.size() - done, flags);
    if (w < 0 && errno == ENOTSOCK) w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && deadline) {
      if (!wait_ready(fd, POLLOUT, deadline)) return false;
      continue;
    }
    if (w <= 0) return false;
    done += static_cast<size_t>(w);
  }
  return true;
}

}  // namespace corral::manager::providers::pipe_protocol
