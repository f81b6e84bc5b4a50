#include "agent/agent_runtime.h"

#include <boost/asio/post.hpp>

#include <csignal>

#include "common/log.h"

namespace corral::agent {
namespace {

using boost::system::error_code;

int64_t millis(std::chrono::milliseconds d) { return static_cast<int64_t>(d.count()); }

uint64_t start_generation(const Clock& clock) {
  int64_t ms = unix_millis(clock.now());
  return ms > 0 ? static_cast<uint64_t>(ms) : 1;
}

}  // namespace

AgentRuntime::AgentRuntime(RuntimeOptions options, sessions::SessionBackend& backend, const Clock& clock)
    : options_(std::move(options)),
      backend_(backend),
      clock_(clock),
      host_(options_.hello, options_.max_sessions, backend, start_generation(clock)),
      policy_(options_.reconnect_base, options_.reconnect_cap) {}

void AgentRuntime::run(Channel& channel) {
  channel_ = &channel;
  if (options_.handle_signals) {
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    signals_.async_wait([this](const error_code& ec, int signal) {
      if (!ec) begin_stop("signal " + std::to_string(signal));
    });
  }
  backend_.watch([this] { boost::asio::post(io_, [this] { sessions_changed(); }); });
  boost::asio::post(io_, [this] { connect_now(); });
  io_.run();
  backend_.watch({});
  log::info("agent.stopped");
}

void AgentRuntime::stop() {
  boost::asio::post(io_, [this] { begin_stop("stop requested"); });
}

void AgentRuntime::on_channel_open(ConnectionId id) {
  boost::asio::post(io_, [this, id] { opened(id); });
}

void AgentRuntime::on_channel_envelope(ConnectionId id, corral::agent::v1::Envelope envelope) {
  boost::asio::post(io_, [this, id, e = std::move(envelope)] { received(id, e); });
}

void AgentRuntime::on_channel_closed(ConnectionId id, CloseInfo info) {
  boost::asio::post(io_, [this, id, i = std::move(info)] { closed(id, i); });
}

void AgentRuntime::connect_now() {
  if (stopping_) return;
  ++current_;
  attempt_active_ = true;
  open_ = false;
  session_.reset();
  log::debug("agent.connecting", {{"endpoint", options_.endpoint}, {"connection", current_}});
  channel_->connect(current_);
}

void AgentRuntime::opened(ConnectionId id) {
  if (id != current_ || !attempt_active_ || stopping_) return;
  open_ = true;
  log::info("agent.connected", {{"endpoint", options_.endpoint}});
  session_.emplace(host_, clock_);
  apply(session_->open());
  welcome_timer_.expires_after(options_.welcome_timeout);
  welcome_timer_.async_wait([this, id](const error_code& ec) {
    if (ec || id != current_ || !session_ || session_->welcomed()) return;
    log::warn("agent.welcome_timeout", {{"timeout_ms", millis(options_.welcome_timeout)}});
    channel_->close(current_, kCloseNormal, "no Welcome from the manager");
  });
}

void AgentRuntime::received(ConnectionId id, const corral::agent::v1::Envelope& envelope) {
  if (id != current_ || !session_ || stopping_) return;
  apply(session_->on_frame(envelope));
}

void AgentRuntime::apply(SessionOutput out) {
  for (const auto& frame : out.frames) channel_->send(current_, frame);
  if (out.welcomed) {
    welcome_timer_.cancel();
    policy_.on_welcome();
    const auto& w = session_->welcome();
    log::info("agent.welcome", {{"agent_id", w.agent_id()},
                                {"heartbeat_interval_seconds", session_->heartbeat_interval().count()},
                                {"server_id", w.server_id()},
                                {"manager_version", w.manager_version()},
                                {"server_settings", w.has_settings()}});
    schedule_heartbeat();
  }
  if (!out.protocol_error.empty()) {
    log::warn("agent.protocol_error", {{"reason", out.protocol_error}});
    session_.reset();
    heartbeat_timer_.cancel();
    channel_->close(current_, kCloseProtocolError, out.protocol_error);
  }
  if (out.shutdown) begin_stop("shutdown command from the manager");
}

void AgentRuntime::schedule_heartbeat() {
  heartbeat_timer_.expires_after(session_->heartbeat_interval());
  heartbeat_timer_.async_wait([this, id = current_](const error_code& ec) {
    if (ec || id != current_ || !session_) return;
    // A backend that missed telling us of a change is caught up with here.
    host_.refresh_sessions();
    apply(session_->heartbeat());
    if (session_) schedule_heartbeat();
  });
}

void AgentRuntime::sessions_changed() {
  if (!host_.refresh_sessions() || stopping_) return;
  log::info("agent.sessions_changed", {{"sessions", host_.capacity().sessions().size()}});
  if (session_) apply(session_->report_if_changed());
}

void AgentRuntime::closed(ConnectionId id, const CloseInfo& info) {
  if (id != current_ || !attempt_active_) return;
  attempt_active_ = false;
  session_.reset();
  heartbeat_timer_.cancel();
  welcome_timer_.cancel();
  if (open_) {
    log::info("agent.disconnected", {{"reason", info.reason}, {"close_code", info.code}});
  } else {
    log::warn("agent.connect_failed", {{"endpoint", options_.endpoint}, {"reason", info.reason}});
  }
  open_ = false;
  if (stopping_) return finish_stop();

  if (policy_.on_closed(info.code)) {
    log::error("agent.revoked", {{"reason", info.reason}, {"retry_interval_ms", millis(options_.reconnect_cap)}});
  }
  std::chrono::milliseconds delay = policy_.next_delay();
  log::info("agent.reconnecting", {{"delay_ms", millis(delay)}, {"attempt", policy_.attempt()}});
  reconnect_timer_.expires_after(delay);
  reconnect_timer_.async_wait([this](const error_code& ec) {
    if (!ec) connect_now();
  });
}

void AgentRuntime::begin_stop(const std::string& why) {
  if (stopping_) return;
  stopping_ = true;
  log::info("agent.stopping", {{"reason", why}});
  reconnect_timer_.cancel();
  heartbeat_timer_.cancel();
  welcome_timer_.cancel();
  if (!attempt_active_) return finish_stop();
  // The frames already queued (a Shutdown's CommandResult) go out before the close frame.
  channel_->close(current_, kCloseGoingAway, "agent stopping");
  close_timer_.expires_after(options_.close_timeout);
  close_timer_.async_wait([this](const error_code& ec) {
    if (ec) return;
    log::warn("agent.close_timeout", {{"timeout_ms", millis(options_.close_timeout)}});
    finish_stop();
  });
}

void AgentRuntime::finish_stop() {
  close_timer_.cancel();
  signals_.cancel();
  io_.stop();
}

}  // namespace corral::agent
