// The manager's own agent listener: admission control (pause/resume), the descriptor ceiling,
// EMFILE back-off, exact binding, and closing.
#include "manager/net/listener.h"

#include "common/log.h"

#include <arpa/inet.h>
#include <ev.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

namespace corral::manager {
namespace {

using namespace std::chrono_literals;

class ListenerTest : public ::testing::Test {
 protected:
  void SetUp() override { loop_ = ev_loop_new(EVBACKEND_EPOLL); }
  void TearDown() override {
    listener_.reset();
    for (int fd : accepted_) ::close(fd);
    for (int fd : clients_) ::close(fd);
    ev_loop_destroy(loop_);
  }

  void open(const std::string& host = "127.0.0.1", int ceiling = 0) {
    auto l = Listener::open(loop_, ListenAddress{host, 0}, "agent", ceiling, [this](int fd) {
      accepted_.push_back(fd);
      if (on_accept_) on_accept_(fd);
    });
    ASSERT_TRUE(l.ok()) << l.status().message();
    listener_ = std::move(l).value();
    ASSERT_GT(listener_->port(), 0);
  }

  // A blocking loopback client: returns once the kernel queued the connection.
  int connect_client(const char* ip = "127.0.0.1") {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(listener_->port()));
    inet_pton(AF_INET, ip, &a.sin_addr);
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    if (rc != 0) {
      int err = errno;
      ::close(fd);
      errno = err;
      return -1;
    }
    clients_.push_back(fd);
    return fd;
  }

  // The same over IPv6 loopback.
  int connect_client6() {
    int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(static_cast<uint16_t>(listener_->port()));
    a.sin6_addr = in6addr_loopback;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      int err = errno;
      ::close(fd);
      errno = err;
      return -1;
    }
    clients_.push_back(fd);
    return fd;
  }

  // Runs the loop until `done`, giving up after `timeout` (by default a safety limit no busy or
  // sanitized run comes near); true if done.
  bool pump_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 60s) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      if (done()) return true;
      ev_run(loop_, EVRUN_NOWAIT);
      std::this_thread::sleep_for(5ms);
    }
    return done();
  }

  struct ev_loop* loop_ = nullptr;
  std::unique_ptr<Listener> listener_;
  std::vector<int> accepted_;
  std::vector<int> clients_;
  std::function<void(int)> on_accept_;
};

TEST_F(ListenerTest, AcceptsAndHandsOverNonBlockingSockets) {
  open();
  ASSERT_GE(connect_client(), 0);
  ASSERT_TRUE(pump_until([&] { return accepted_.size() == 1; }));
  EXPECT_TRUE(fcntl(accepted_[0], F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(fcntl(accepted_[0], F_GETFD) & FD_CLOEXEC);
}

TEST_F(ListenerTest, PausedListenerLeavesConnectionsInTheBacklogUntilResumed) {
  open();
  // Admission control as the transport uses it: pause once two are in progress.
  on_accept_ = [&](int) {
    if (accepted_.size() >= 2) listener_->pause();
  };
  for (int i = 0; i < 5; ++i) ASSERT_GE(connect_client(), 0);
  ASSERT_TRUE(pump_until([&] { return accepted_.size() == 2; }));
  EXPECT_FALSE(pump_until([&] { return accepted_.size() > 2; }, 300ms));
  EXPECT_TRUE(listener_->paused());
  on_accept_ = nullptr;
  listener_->resume();
  EXPECT_TRUE(pump_until([&] { return accepted_.size() == 5; }));
}

TEST_F(ListenerTest, ConnectionAboveTheDescriptorCeilingIsClosedNotHandedOver) {
  // The next descriptor the process gets is the ceiling: the first connection lands on it.
  int probe = ::dup(0);
  ASSERT_GE(probe, 0);
  ::close(probe);
  open("127.0.0.1", probe + 1);  // the listener's own socket takes `probe`
  int client = connect_client();
  ASSERT_GE(client, 0);
  // The server side closes it: the client reads EOF (or a reset).
  char byte;
  ASSERT_TRUE(pump_until([&] {
    ssize_t n = ::recv(client, &byte, 1, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }));
  EXPECT_TRUE(accepted_.empty());
}

TEST_F(ListenerTest, OutOfDescriptorsBacksOffAndAcceptsOnceDescriptorsFreeUp) {
  open();
  // The log writer's thread starts with the first line; start it now, while descriptors are
  // free: the back-off below logs, and a sanitizer checking the new thread's state needs a pipe.
  log::flush();
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  // Use up every descriptor below a lowered soft limit.
  std::vector<int> filler;
  int client = connect_client();  // queued in the backlog before the limit bites
  ASSERT_GE(client, 0);
  int highest = ::dup(0);
  ::close(highest);
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(highest + 4);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  for (int fd; (fd = ::dup(0)) >= 0;) filler.push_back(fd);
  // accept() fails with EMFILE: nothing is handed over; the listener retries on a timer.
  EXPECT_FALSE(pump_until([&] { return !accepted_.empty(); }, 400ms));
  for (int fd : filler) ::close(fd);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_TRUE(pump_until([&] { return accepted_.size() == 1; }));
}

TEST_F(ListenerTest, Ipv4LiteralBindsOnlyThatAddress) {
  open("127.0.0.1");
  // 127.0.0.2 is loopback too, but not the address given.
  EXPECT_LT(connect_client("127.0.0.2"), 0);
  EXPECT_EQ(errno, ECONNREFUSED);
  EXPECT_GE(connect_client("127.0.0.1"), 0);
}

TEST_F(ListenerTest, Ipv6LiteralBindsOnlyThatAddressAndTheWildcardTakesBothFamilies) {
  {
    // Hosts without IPv6 (or with ::1 removed) cannot run this; that is the host, not the code.
    int probe = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    bool ipv6 = probe >= 0 && ::bind(probe, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    if (probe >= 0) ::close(probe);
    if (!ipv6) GTEST_SKIP() << "no IPv6 loopback on this host";
  }
  open("::1");
  EXPECT_GE(connect_client6(), 0) << std::strerror(errno);
  EXPECT_LT(connect_client("127.0.0.1"), 0) << "'::1' must not take IPv4 clients";
  EXPECT_TRUE(pump_until([&] { return accepted_.size() == 1; }));

  // "::" (like "" and "*") is the dual-stack wildcard: IPv4 clients arrive as ::ffff:a.b.c.d.
  listener_.reset();
  open("::");
  EXPECT_GE(connect_client6(), 0) << std::strerror(errno);
  EXPECT_GE(connect_client("127.0.0.1"), 0) << std::strerror(errno);
  EXPECT_TRUE(pump_until([&] { return accepted_.size() == 3; }));
}

TEST(PrintablePeerAddress, Ipv4MappedAddressesAreShownAsIpv4) {
  EXPECT_EQ(printable_peer_address("::ffff:10.1.2.3"), "10.1.2.3");
  EXPECT_EQ(printable_peer_address("10.1.2.3"), "10.1.2.3");
  EXPECT_EQ(printable_peer_address("::1"), "::1");
  EXPECT_EQ(printable_peer_address("2001:db8::1"), "2001:db8::1");
  EXPECT_EQ(printable_peer_address("::ffff:"), "::ffff:");
  EXPECT_EQ(printable_peer_address("::ffff:abcd"), "::ffff:abcd") << "not an IPv4 address after the prefix";
  EXPECT_EQ(printable_peer_address(""), "");
}

TEST_F(ListenerTest, ClosedListenerRefusesAtOnce) {
  open();
  listener_->close();
  EXPECT_LT(connect_client(), 0);
  EXPECT_EQ(errno, ECONNREFUSED);
}

TEST_F(ListenerTest, AddressInUseIsAnErrorNamingTheAddress) {
  open();
  auto second =
      Listener::open(loop_, ListenAddress{"127.0.0.1", listener_->port()}, "agent", 0, [](int fd) { ::close(fd); });
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("127.0.0.1:" + std::to_string(listener_->port())), std::string::npos)
      << second.status().message();
}

}  // namespace
}  // namespace corral::manager
