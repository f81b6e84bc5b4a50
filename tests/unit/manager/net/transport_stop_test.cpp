// LwsTransport's lifecycle seen from other threads: the listeners bind port 0 and report the
// ports, and the core's calls keep coming while the transport stops and after it has stopped:
// they are dropped, never a use of the destroyed libwebsockets context (run under TSan too).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "manager/fleet/pki.h"
#include "manager/net/lws_transport.h"
#include "tests/unit/manager/store/temp_dir.h"

namespace corral::manager {
namespace {

class NullSink final : public TransportSink {
 public:
  void on_agent_connected(ConnId, const std::string&, const std::string&, const std::string&) override {}
  void on_agent_envelope(ConnId, corral::agent::v1::Envelope) override {}
  void on_agent_closed(ConnId, const std::string&) override {}
  void on_http_request(ConnId, HttpRequest) override {}
};

class TransportStopTest : public ::testing::TestWithParam<EventLoop> {
 protected:
  std::unique_ptr<LwsTransport> start() {
    auto pki = load_or_create_pki(dir_.file(""), {"localhost", "127.0.0.1"});
    EXPECT_TRUE(pki.ok()) << pki.status().message();
    if (!pki.ok()) return nullptr;
    LwsTransportOptions options;
    options.api = ListenAddress{"127.0.0.1", 0};
    options.agent = ListenAddress{"127.0.0.1", 0};
    options.server_certificate_pem = pki->server_certificate_pem;
    options.server_private_key_pem = pki->server_private_key_pem;
    options.ca_certificate_pem = pki->ca.certificate_pem();
    options.event_loop = GetParam();
    auto transport = std::make_unique<LwsTransport>(std::move(options), sink_);
    Status started = transport->start();
    EXPECT_TRUE(started.ok()) << started.message();
    return started.ok() ? std::move(transport) : nullptr;
  }

  store::test_support::TempDir dir_;
  NullSink sink_;
};

TEST_P(TransportStopTest, ListenersOnPortZeroReportTheirPorts) {
  auto transport = start();
  ASSERT_TRUE(transport);
  EXPECT_GT(transport->api_port(), 0);
  EXPECT_GT(transport->agent_port(), 0);
  EXPECT_NE(transport->api_port(), transport->agent_port());
}

TEST_P(TransportStopTest, CallsFromOtherThreadsAcrossStopAreDropped) {
  auto transport = start();
  ASSERT_TRUE(transport);
  constexpr int kThreads = 4;
  std::atomic<bool> done{false};
  std::atomic<int64_t> posted{0};
  std::vector<std::thread> core_threads;
  for (int t = 0; t < kThreads; ++t) {
    core_threads.emplace_back([&, t] {
      corral::agent::v1::Envelope envelope;
      envelope.set_seq(1);
      for (ConnId conn = 1; !done.load(); ++conn) {
        switch (conn % 4) {
          case 0: transport->send_envelope(conn, envelope); break;
          case 1: transport->close_agent(conn, 1000, "bye"); break;
          case 2: transport->send_http_response(conn, HttpResponse{}); break;
          default: transport->add_revoked_serials({std::to_string(t)}); break;
        }
        ++posted;
      }
    });
  }
  auto wait_for_posts = [&](int64_t n) {
    int64_t target = posted.load() + n;
    while (posted.load() < target) std::this_thread::yield();
  };
  wait_for_posts(2000);  // the network thread is busy draining
  std::thread second_stopper([&] { transport->stop(); });
  transport->stop();
  second_stopper.join();
  wait_for_posts(2000);  // and calls after the stop are dropped
  done = true;
  for (auto& t : core_threads) t.join();
  transport.reset();
}

INSTANTIATE_TEST_SUITE_P(EventLoops, TransportStopTest, ::testing::Values(EventLoop::libev, EventLoop::poll),
                         [](const auto& p) { return p.param == EventLoop::libev ? "libev" : "poll"; });

}  // namespace
}  // namespace corral::manager
