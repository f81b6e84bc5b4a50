// A listening TCP socket on the network thread's libev loop, owned by the manager instead of
// libwebsockets so that the manager decides when to accept:
//   - admission control: pause() leaves new connections in the kernel backlog while too many TLS
//     handshakes are in progress, so a reconnect storm is served first come, first served instead
//     of every handshake starving together;
//   - descriptor exhaustion: a connection that would use one of the last descriptors is closed
//     (the agent backs off and retries) and, as on EMFILE/ENFILE, accepting stops for a moment
//     instead of spinning on a failing accept(); the warning is logged once per interval;
//   - shutdown: close() refuses reconnects at once, so agents find the next manager process
//     instead of a dying one.
// Accepted sockets are non-blocking and close-on-exec; lws adopts them (lws_adopt_socket_vhost).
// Network thread only.
#pragma once

#include <ev.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "manager/net/lws_transport.h"

namespace corral::manager {

// A peer address as logs and the API show it: an IPv4 client of a dual-stack listener arrives as
// "::ffff:a.b.c.d" and is shown as "a.b.c.d"; anything else is returned unchanged.
std::string printable_peer_address(std::string address);

class Listener {
 public:
  using AcceptFn = std::function<void(int fd)>;

  // Binds and listens. An IPv4 literal binds only that address; an IPv6 literal only that address
  // (IPV6_V6ONLY); "", "*" or "::" every address of both families; "0.0.0.0" every IPv4 address;
  // a name resolves to its first address.
  // A connection that arrives on a descriptor at or above `fd_ceiling` (0: none) is closed at once
  // and accepting pauses briefly: the descriptors above it are kept for everything else.
  static Result<std::unique_ptr<Listener>> open(struct ev_loop* loop, const ListenAddress& address, std::string name,
                                                int fd_ceiling, AcceptFn on_accept);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Stops accepting (connections wait in the backlog) until resume(). Idempotent.
  void pause();
  void resume();
  bool paused() const { return paused_; }
  // Stops and closes the socket: further connections are refused by the kernel.
  void close();

  int port() const { return port_; }
  const std::string& name() const { return name_; }

 private:
  Listener(struct ev_loop* loop, int fd, int port, std::string name, int fd_ceiling, AcceptFn on_accept);
  static void on_readable(struct ev_loop* loop, ev_io* watcher, int events);
  static void on_retry(struct ev_loop* loop, ev_timer* timer, int events);
  void accept_ready();
  void out_of_descriptors(const char* why);
  void update_watcher();

  ev_io io_{};
  ev_timer retry_{};
  struct ev_loop* loop_;
  int fd_;
  int port_;
  std::string name_;
  int fd_ceiling_;
  AcceptFn on_accept_;
  bool paused_ = false;       // admission control
  bool backing_off_ = false;  // out of descriptors
  int64_t warned_at_ms_ = 0;  // last "out of descriptors" warning (rate limit)
  uint64_t suppressed_ = 0;   // failures not logged since then
};

}  // namespace corral::manager
