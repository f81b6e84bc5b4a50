#include "manager/net/listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>

#include "common/log.h"

namespace corral::manager {
namespace {

constexpr int kBacklog = 4096;       // clamped by the kernel to net.core.somaxconn
constexpr int kAcceptsPerWake = 64;  // then let the loop serve the connections it has
constexpr double kDescriptorRetrySeconds = 0.25;
constexpr int64_t kWarnIntervalMs = 10'000;

int64_t monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string describe(const ListenAddress& a) {
  bool v6 = a.host.find(':') != std::string::npos;
  return (v6 ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port);
}

struct BindTarget {
  sockaddr_storage addr{};
  socklen_t len = 0;
  int family = AF_INET;
  bool v6only = false;
};

Result<BindTarget> resolve(const ListenAddress& a) {
  BindTarget t;
  auto set_v4 = [&](in_addr ip) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&t.addr);
    sin->sin_family = AF_INET;
    sin->sin_addr = ip;
    sin->sin_port = htons(static_cast<uint16_t>(a.port));
    t.len = sizeof(sockaddr_in);
    t.family = AF_INET;
  };
  auto set_v6 = [&](in6_addr ip, bool v6only) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&t.addr);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_addr = ip;
    sin6->sin6_port = htons(static_cast<uint16_t>(a.port));
    t.len = sizeof(sockaddr_in6);
    t.family = AF_INET6;
    t.v6only = v6only;
  };
  in_addr v4{};
  in6_addr v6{};
  if (a.host.empty() || a.host == "*" || a.host == "::") {
    set_v6(in6addr_any, false);
  } else if (inet_pton(AF_INET, a.host.c_str(), &v4) == 1) {
    set_v4(v4);
  } else if (inet_pton(AF_INET6, a.host.c_str(), &v6) == 1) {
    set_v6(v6, true);
  } else {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* res = nullptr;
    int rc = getaddrinfo(a.host.c_str(), nullptr, &hints, &res);
    if (rc != 0 || res == nullptr) {
      return error(ErrorCode::invalid_argument,
                   "cannot resolve listen address " + describe(a) + ": " + gai_strerror(rc));
    }
    if (res->ai_family == AF_INET) {
      set_v4(reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr);
    } else {
      set_v6(reinterpret_cast<sockaddr_in6*>(res->ai_addr)->sin6_addr, true);
    }
    freeaddrinfo(res);
  }
  return t;
}

int open_socket(const BindTarget& t, std::string* why) {
  int fd = ::socket(t.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *why = std::strerror(errno);
    return -1;
  }
  int one = 1;
  int v6only = t.v6only ? 1 : 0;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      (t.family == AF_INET6 && ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) != 0) ||
      ::bind(fd, reinterpret_cast<const sockaddr*>(&t.addr), t.len) != 0 || ::listen(fd, kBacklog) != 0) {
    *why = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

Result<std::unique_ptr<Listener>> Listener::open(struct ev_loop* loop, const ListenAddress& address, std::string name,
                                                 int fd_ceiling, AcceptFn on_accept) {
  Result<BindTarget> target = resolve(address);
  if (!target.ok()) return target.status();
  std::string why;
  int fd = open_socket(*target, &why);
  if (fd < 0 && target->family == AF_INET6 && !target->v6only && errno == EAFNOSUPPORT) {
    // No IPv6 on this host: the wildcard means every IPv4 address.
    in_addr any{};
    any.s_addr = htonl(INADDR_ANY);
    target->addr = {};
    auto* sin = reinterpret_cast<sockaddr_in*>(&target->addr);
    sin->sin_family = AF_INET;
    sin->sin_addr = any;
    sin->sin_port = htons(static_cast<uint16_t>(address.port));
    target->len = sizeof(sockaddr_in);
    target->family = AF_INET;
    fd = open_socket(*target, &why);
  }
  if (fd < 0) {
    return error(ErrorCode::unavailable,
                 "cannot listen on " + describe(address) + " for the " + name + " listener: " + why);
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  int port = address.port;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    port = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                            : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  }
  return std::unique_ptr<Listener>(new Listener(loop, fd, port, std::move(name), fd_ceiling, std::move(on_accept)));
}

Listener::Listener(struct ev_loop* loop, int fd, int port, std::string name, int fd_ceiling, AcceptFn on_accept)
    : loop_(loop),
      fd_(fd),
      port_(port),
      name_(std::move(name)),
      fd_ceiling_(fd_ceiling),
      on_accept_(std::move(on_accept)) {
  ev_io_init(&io_, &Listener::on_readable, fd_, EV_READ);
  io_.data = this;
  ev_timer_init(&retry_, &Listener::on_retry, kDescriptorRetrySeconds, 0.0);
  retry_.data = this;
  ev_io_start(loop_, &io_);
}

Listener::~Listener() { close(); }

void Listener::close() {
  if (fd_ < 0) return;
  ev_io_stop(loop_, &io_);
  ev_timer_stop(loop_, &retry_);
  ::close(fd_);
  fd_ = -1;
}

void Listener::pause() {
  paused_ = true;
  update_watcher();
}

void Listener::resume() {
  paused_ = false;
  update_watcher();
}

void Listener::update_watcher() {
  if (fd_ < 0) return;
  bool want = !paused_ && !backing_off_;
  if (want && !ev_is_active(&io_)) ev_io_start(loop_, &io_);
  if (!want && ev_is_active(&io_)) ev_io_stop(loop_, &io_);
}

void Listener::on_readable(struct ev_loop*, ev_io* watcher, int) {
  static_cast<Listener*>(watcher->data)->accept_ready();
}

void Listener::on_retry(struct ev_loop*, ev_timer* timer, int) {
  auto* self = static_cast<Listener*>(timer->data);
  self->backing_off_ = false;
  self->update_watcher();
}

void Listener::accept_ready() {
  for (int i = 0; i < kAcceptsPerWake && fd_ >= 0 && !paused_; ++i) {
    int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0 && fd_ceiling_ > 0 && fd >= fd_ceiling_) {
      ::close(fd);
      return out_of_descriptors("connection limit reached (open-files limit minus the reserve)");
    }
    if (fd >= 0) {
      on_accept_(fd);  // may pause() us
      continue;
    }
    int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK) return;
    if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;
    if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
      return out_of_descriptors(std::strerror(err));
    }
    log::warn("listener.accept_failed", {{"listener", name_}, {"error", std::strerror(err)}});
    return;
  }
}

void Listener::out_of_descriptors(const char* why) {
  // Leave the connection in the backlog and look again shortly: retrying at once would spin a
  // core on a failing accept() for as long as the descriptors stay exhausted.
  backing_off_ = true;
  update_watcher();
  ev_timer_set(&retry_, kDescriptorRetrySeconds, 0.0);
  ev_timer_start(loop_, &retry_);
  int64_t now = monotonic_ms();
  if (warned_at_ms_ == 0 || now - warned_at_ms_ >= kWarnIntervalMs) {
    log::warn("listener.out_of_descriptors",
              {{"listener", name_},
               {"error", why},
               {"suppressed", suppressed_},
               {"hint", "raise the open-files limit (LimitNOFILE) or lower the number of agents"}});
    warned_at_ms_ = now;
    suppressed_ = 0;
  } else {
    ++suppressed_;
  }
}

std::string printable_peer_address(std::string address) {
  constexpr std::string_view kMapped = "::ffff:";
  if (address.size() <= kMapped.size() || address.compare(0, kMapped.size(), kMapped) != 0) return address;
  in_addr v4{};
  std::string rest = address.substr(kMapped.size());
  return inet_pton(AF_INET, rest.c_str(), &v4) == 1 ? rest : address;
}

}  // namespace corral::manager
