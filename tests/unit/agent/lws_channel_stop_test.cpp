// LwsChannel seen from the agent's core: sends and closes keep coming from other threads while
// the channel stops and after it has stopped; they are dropped, never a use of the destroyed
// libwebsockets context (run under TSan too).
#include "agent/lws_channel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common/tls/certificate_authority.h"
#include "common/tls/keys.h"

namespace corral::agent {
namespace {

class NullEvents final : public ChannelEvents {
 public:
  void on_channel_open(ConnectionId) override {}
  void on_channel_envelope(ConnectionId, corral::agent::v1::Envelope) override {}
  void on_channel_closed(ConnectionId, CloseInfo) override {}
};

TEST(LwsChannelStopTest, CallsFromOtherThreadsAcrossStopAreDropped) {
  auto ca = tls::CertificateAuthority::create("Test CA", 1);
  ASSERT_TRUE(ca.ok());
  auto key = tls::generate_private_key_pem();
  ASSERT_TRUE(key.ok());
  auto csr = tls::create_csr_pem(*key, "agent");
  ASSERT_TRUE(csr.ok());
  auto cert = ca->sign_client_csr(*csr, "00000000-0000-4000-8000-000000000000", 1);
  ASSERT_TRUE(cert.ok());

  LwsChannelOptions options;
  options.endpoint = Endpoint{"127.0.0.1", 1, "/agent/v1"};
  options.certificate_pem = cert->certificate_pem;
  options.private_key_pem = *key;
  options.ca_pem = ca->certificate_pem();
  NullEvents events;
  auto channel = LwsChannel::start(options, &events);
  ASSERT_TRUE(channel.ok()) << channel.status().message();

  std::atomic<bool> done{false};
  std::atomic<int64_t> posted{0};
  std::vector<std::thread> core_threads;
  for (int t = 0; t < 3; ++t) {
    core_threads.emplace_back([&] {
      corral::agent::v1::Envelope envelope;
      envelope.set_seq(1);
      for (ConnectionId id = 1; !done.load(); ++id) {
        if (id % 2) {
          (*channel)->send(id, envelope);
        } else {
          (*channel)->close(id, kCloseNormal, "bye");
        }
        ++posted;
      }
    });
  }
  auto wait_for_posts = [&](int64_t n) {
    int64_t target = posted.load() + n;
    while (posted.load() < target) std::this_thread::yield();
  };
  wait_for_posts(2000);
  std::thread second_stopper([&] { (*channel)->stop(); });
  (*channel)->stop();
  second_stopper.join();
  wait_for_posts(2000);
  done = true;
  for (auto& t : core_threads) t.join();
}

}  // namespace
}  // namespace corral::agent
