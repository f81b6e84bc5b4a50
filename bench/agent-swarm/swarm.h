// N simulated agents in one thread: a single epoll loop drives every agent's non-blocking TCP
// connect, OpenSSL client handshake (one shared SSL_CTX, a certificate per SSL object), websocket
// upgrade and corral.agent.v1 conversation, and reconnects them with the real agent's backoff.
// swarm_loop.cpp has the loop, timers and scheduling; swarm_connection.cpp one connection's protocol.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bench/agent-swarm/agent_identity.h"
#include "bench/agent-swarm/sim_agent.h"
#include "common/result.h"
#include "corral/agent/v1/agent.pb.h"

namespace corral::bench {

struct SwarmConfig {
  int agent_port = 0;
  std::string ca_pem;
  int source_addresses = 16;
  // At most this many sockets at once (0: no limit). Below the file-descriptor limit, so the
  // swarm can still open /proc files to measure the manager when its agents hold every socket.
  size_t max_sockets = 0;
  std::chrono::milliseconds heartbeat_interval{10000};
  // Each step of an attempt (TCP connect, TLS handshake, websocket upgrade) has this long, as lws
  // gives the real agent (its default timeout_secs); then the Welcome has welcome_timeout, as
  // agent_runtime.h.
  std::chrono::milliseconds stage_timeout{20000};
  std::chrono::milliseconds welcome_timeout{30000};
  std::chrono::milliseconds backoff_base{1000};
  std::chrono::milliseconds backoff_cap{60000};
  std::chrono::milliseconds ping_after_idle{30000};  // 0: never ping
  std::chrono::milliseconds hangup_after_idle{75000};
};

struct SwarmCounters {
  uint64_t attempts = 0;
  uint64_t welcomes = 0;
  uint64_t connect_failures = 0;  // refused, reset or unreachable before TLS
  uint64_t no_source_port = 0;    // EADDRNOTAVAIL: the source address ran out of ports
  uint64_t no_descriptor = 0;     // the swarm is at its file-descriptor limit (max_sockets, EMFILE)
  uint64_t tls_failures = 0;      // handshake failed or the server refused our certificate
  uint64_t upgrade_failures = 0;  // no "101", or the connection ended before the Welcome
  uint64_t attempt_timeouts = 0;  // a step of an attempt or the Welcome took too long
  uint64_t disconnects = 0;       // welcomed connections that ended
  uint64_t idle_hangups = 0;      // no pong within hangup_after_idle
  uint64_t protocol_errors = 0;
  uint64_t frames_sent = 0;
  uint64_t heartbeats_sent = 0;
  uint64_t pings_sent = 0;
  uint64_t pongs_received = 0;
  std::map<uint16_t, uint64_t> close_codes;  // close codes the manager sent

  SwarmCounters since(const SwarmCounters& earlier) const;
};

class Swarm {
 public:
  // IDENTITIES outlives the swarm; agent i presents identity i.
  static Result<std::unique_ptr<Swarm>> create(SwarmConfig config, std::vector<AgentIdentity>* identities);
  ~Swarm();
  Swarm(const Swarm&) = delete;
  Swarm& operator=(const Swarm&) = delete;

  // 0: no limit. Applies to attempts started from now on.
  void set_connect_concurrency(size_t limit) { concurrency_limit_ = limit; }
  // Every idle agent starts connecting (queued beyond the concurrency limit).
  void connect_all();
  // Starts a new measurement epoch: welcomed_in_epoch() and the epoch statistics count from here.
  void begin_epoch();
  size_t welcomed_in_epoch() const { return welcomed_in_epoch_; }
  size_t connected() const { return connected_; }
  size_t size() const { return agents_.size(); }

  // Runs the loop until DONE (checked at least every 100 ms) or DEADLINE; true when DONE held.
  bool run_until(const std::function<bool()>& done, std::chrono::steady_clock::time_point deadline);
  // Agents without a Welcome stop trying and stay idle, so a run that could not connect everyone
  // measures the ones that did without the others' retries adding load.
  void park_unwelcomed();
  // Sends close 1001 on every open websocket and closes every socket; no reconnects after it.
  void shutdown();

  const SwarmCounters& counters() const { return counters_; }
  // Milliseconds from begin_epoch() to each agent's first Welcome in the epoch, in arrival order.
  const std::vector<uint32_t>& epoch_welcome_ms() const { return epoch_welcome_ms_; }
  // Milliseconds from the start of each successful attempt to its Welcome, in this epoch.
  const std::vector<uint32_t>& epoch_attempt_ms() const { return epoch_attempt_ms_; }

 private:
  struct Timer {
    int64_t due_ms;
    uint32_t agent;
    uint32_t token;
    bool operator>(const Timer& o) const { return due_ms > o.due_ms; }
  };
  enum class Failure {
    connect,
    no_source_port,
    no_descriptor,
    tls,
    upgrade,
    timeout,
    disconnect,
    idle_hangup,
    protocol
  };

  Swarm(SwarmConfig config, std::vector<AgentIdentity>* identities);
  Status init();

  // swarm_loop.cpp: scheduling.
  int64_t now_ms() const;
  void set_timer(uint32_t index, int64_t due_ms);
  void fire_timers();
  void on_timer(uint32_t index);
  void begin_attempt(uint32_t index);
  void start_queued();
  void schedule_reconnect(uint32_t index, uint16_t close_code);
  void fail(uint32_t index, Failure why, uint16_t close_code = 0);
  void release_connection(SimAgent& a);
  // False when the connection failed meanwhile (the agent is then back in backoff).
  bool on_welcomed(uint32_t index);
  int64_t first_heartbeat_after(uint32_t index, int64_t now) const;
  void reschedule_welcomed(uint32_t index);

  // swarm_connection.cpp: one connection's protocol.
  bool open_socket(uint32_t index);
  void drive(uint32_t index);
  bool start_tls(uint32_t index);
  bool flush(uint32_t index);
  bool read_available(uint32_t index);
  bool handle_upgrade_response(uint32_t index);
  bool handle_frames(uint32_t index);
  bool handle_frame(uint32_t index, uint8_t opcode, bool fin, std::string_view payload);
  bool handle_envelope(uint32_t index, std::string_view bytes);
  void send_envelope(uint32_t index, corral::agent::v1::Envelope envelope);
  void send_frame(uint32_t index, uint8_t opcode, std::string_view payload);
  void send_heartbeat(uint32_t index);
  void send_capacity(uint32_t index);
  corral::agent::v1::Hello hello_for(uint32_t index) const;
  uint32_t next_random();

  SwarmConfig config_;
  std::vector<AgentIdentity>* identities_;
  std::vector<SimAgent> agents_;
  SSL_CTX* ssl_ctx_ = nullptr;
  int epoll_fd_ = -1;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::deque<uint32_t> queued_;
  size_t concurrency_limit_ = 0;
  size_t in_flight_ = 0;
  size_t connected_ = 0;
  size_t open_sockets_ = 0;
  bool stopping_ = false;
  bool starting_queued_ = false;
  std::chrono::steady_clock::time_point origin_;
  int64_t now_cache_ms_ = 0;
  std::mt19937 rng_;

  uint32_t epoch_ = 0;
  int64_t epoch_start_ms_ = 0;
  size_t welcomed_in_epoch_ = 0;
  std::vector<uint32_t> epoch_welcome_ms_;
  std::vector<uint32_t> epoch_attempt_ms_;
  SwarmCounters counters_;
};

}  // namespace corral::bench
