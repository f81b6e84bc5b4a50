// The agent's core: one Asio io_context thread that owns all state (the Host, the current
// AgentSession, timers, the reconnect policy) and reaches the network only through a Channel.
// Channel events and the session backend's change notices are posted here, so nothing is locked.
// run_agent() creates it once enrollment is done; it returns when SIGTERM/SIGINT arrives or the
// manager sends Shutdown.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "agent/agent_session.h"
#include "agent/channel.h"
#include "agent/host.h"
#include "agent/reconnect_policy.h"
#include "agent/sessions/session_backend.h"
#include "common/clock.h"
#include "corral/agent/v1/agent.pb.h"

namespace corral::agent {

struct RuntimeOptions {
  // Its labels are the config file's; the manager may replace them.
  corral::agent::v1::Hello hello;
  // The config file's; the manager may replace it (and draining) in Welcome or by command.
  uint32_t max_sessions = 1;
  std::string endpoint;  // for logs
  std::chrono::milliseconds reconnect_base{1000};
  std::chrono::milliseconds reconnect_cap{60000};
  // A manager that accepted the websocket but stays silent is treated as a failed connection.
  std::chrono::milliseconds welcome_timeout{30000};
  // How long a clean close may take at exit before the agent leaves anyway.
  std::chrono::milliseconds close_timeout{3000};
  // Only the process's runtime listens for SIGTERM/SIGINT; tests leave it off.
  bool handle_signals = true;
};

class AgentRuntime final : public ChannelEvents {
 public:
  // BACKEND outlives the runtime.
  AgentRuntime(RuntimeOptions options, sessions::SessionBackend& backend, const Clock& clock);

  // Connects through CHANNEL (whose events must come to this object) and serves until stopped.
  // Returns after the connection is closed; the caller then stops the channel.
  void run(Channel& channel);
  // Any thread: close with 1001 (going away) and return from run().
  void stop();

  void on_channel_open(ConnectionId id) override;
  void on_channel_envelope(ConnectionId id, corral::agent::v1::Envelope envelope) override;
  void on_channel_closed(ConnectionId id, CloseInfo info) override;

  // Core thread only (tests read them after run() returns).
  const Host& host() const { return host_; }
  const ReconnectPolicy& reconnect_policy() const { return policy_; }

 private:
  void connect_now();
  void opened(ConnectionId id);
  void received(ConnectionId id, const corral::agent::v1::Envelope& envelope);
  void closed(ConnectionId id, const CloseInfo& info);
  void apply(SessionOutput out);
  void schedule_heartbeat();
  void sessions_changed();
  void begin_stop(const std::string& why);
  void finish_stop();

  RuntimeOptions options_;
  sessions::SessionBackend& backend_;
  const Clock& clock_;
  boost::asio::io_context io_;
  boost::asio::signal_set signals_{io_};
  boost::asio::steady_timer heartbeat_timer_{io_};
  boost::asio::steady_timer reconnect_timer_{io_};
  boost::asio::steady_timer welcome_timer_{io_};
  boost::asio::steady_timer close_timer_{io_};

  Channel* channel_ = nullptr;
  Host host_;
  ReconnectPolicy policy_;
  ConnectionId current_ = 0;
  bool attempt_active_ = false;  // connect() issued, closed not yet reported
  bool open_ = false;
  std::optional<AgentSession> session_;
  bool stopping_ = false;
};

}  // namespace corral::agent
