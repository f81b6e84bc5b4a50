// AgentRuntime against a scripted channel: the core's wiring (who sends what when, how it closes,
// when it reconnects) without sockets. The script plays the manager from inside the channel calls,
// which the runtime makes on its core thread, so the test needs no locks either.
#include "agent/agent_runtime.h"

#include <gtest/gtest.h>

#include <functional>
#include <thread>
#include <vector>

#include "tests/unit/agent/fake_session_backend.h"

namespace corral::agent {
namespace {

using corral::agent::v1::Envelope;
using SteadyClock = std::chrono::steady_clock;

struct Call {
  enum Kind { connect, send, close } kind;
  ConnectionId id = 0;
  Envelope envelope;
  uint16_t code = 0;
  SteadyClock::time_point at = SteadyClock::now();
};

class ScriptedChannel final : public Channel {
 public:
  explicit ScriptedChannel(ChannelEvents* events) : events_(events) {}

  // The manager's reactions; each may call events() to answer.
  std::function<void(ScriptedChannel&, ConnectionId)> on_connect = [](ScriptedChannel& c, ConnectionId id) {
    c.events().on_channel_open(id);
  };
  std::function<void(ScriptedChannel&, ConnectionId, const Envelope&)> on_send = [](auto&, auto, auto&) {};
  std::function<void(ScriptedChannel&, ConnectionId, uint16_t)> on_close = [](ScriptedChannel& c, ConnectionId id,
                                                                              uint16_t code) {
    c.events().on_channel_closed(id, CloseInfo{code, "closed"});
  };

  void connect(ConnectionId id) override {
    calls.push_back({Call::connect, id, {}, 0});
    manager_seq = 0;
    on_connect(*this, id);
  }
  void send(ConnectionId id, const Envelope& envelope) override {
    calls.push_back({Call::send, id, envelope, 0});
    on_send(*this, id, envelope);
  }
  void close(ConnectionId id, uint16_t code, const std::string&) override {
    calls.push_back({Call::close, id, {}, code});
    on_close(*this, id, code);
  }
  void stop() override {}

  ChannelEvents& events() { return *events_; }
  void reply(ConnectionId id, Envelope e) {
    e.set_seq(++manager_seq);
    events_->on_channel_envelope(id, std::move(e));
  }

  std::vector<Call> calls;
  uint64_t manager_seq = 0;

 private:
  ChannelEvents* events_;
};

Envelope welcome() {
  Envelope e;
  e.mutable_welcome()->set_agent_id("agent-1");
  e.mutable_welcome()->set_heartbeat_interval_seconds(60);
  return e;
}

RuntimeOptions fast_options() {
  RuntimeOptions o;
  o.hello.set_hostname("host-1");
  o.max_sessions = 2;
  o.reconnect_base = std::chrono::milliseconds(1);
  o.reconnect_cap = std::chrono::milliseconds(50);
  o.close_timeout = std::chrono::milliseconds(500);
  o.handle_signals = false;
  return o;
}

TEST(AgentRuntime, HelloWelcomeCapacityThenShutdownClosesGoingAway) {
  SystemClock clock;
  testing::FakeSessionBackend backend;
  AgentRuntime runtime(fast_options(), backend, clock);
  ScriptedChannel channel(&runtime);
  channel.on_send = [](ScriptedChannel& c, ConnectionId id, const Envelope& e) {
    if (e.has_hello()) c.reply(id, welcome());
    if (e.has_capacity_report()) {
      Envelope stop;
      stop.mutable_command()->set_command_id("cmd-stop");
      stop.mutable_command()->mutable_shutdown();
      c.reply(id, stop);
    }
  };
  runtime.run(channel);

  std::vector<Call>& calls = channel.calls;
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(calls[0].kind, Call::connect);
  ASSERT_EQ(calls[1].kind, Call::send);
  EXPECT_TRUE(calls[1].envelope.has_hello());
  EXPECT_EQ(calls[1].envelope.seq(), 1u);
  EXPECT_TRUE(calls[2].envelope.has_capacity_report());
  EXPECT_EQ(calls[2].envelope.capacity_report().max_sessions(), 2u);
  ASSERT_TRUE(calls[3].envelope.has_command_result());
  EXPECT_EQ(calls[3].envelope.command_result().command_id(), "cmd-stop");
  EXPECT_TRUE(calls[3].envelope.command_result().ok());
  EXPECT_EQ(calls[4].kind, Call::close);
  EXPECT_EQ(calls[4].code, kCloseGoingAway);
}

TEST(AgentRuntime, RevokedConnectionRetriesAtTheCap) {
  SystemClock clock;
  testing::FakeSessionBackend backend;
  AgentRuntime runtime(fast_options(), backend, clock);
  ScriptedChannel channel(&runtime);
  int connects = 0;
  channel.on_connect = [&](ScriptedChannel& c, ConnectionId id) {
    if (++connects == 1) {
      c.events().on_channel_open(id);
    } else {
      runtime.stop();  // second attempt: enough seen
      c.events().on_channel_open(id);
    }
  };
  channel.on_send = [](ScriptedChannel& c, ConnectionId id, const Envelope& e) {
    if (e.has_hello()) c.reply(id, welcome());
    if (e.has_capacity_report()) c.events().on_channel_closed(id, CloseInfo{kCloseRevoked, "certificate revoked"});
  };
  runtime.run(channel);

  EXPECT_TRUE(runtime.reconnect_policy().revoked());
  std::vector<Call*> connect_calls;
  SteadyClock::time_point closed_at{};
  for (Call& c : channel.calls) {
    if (c.kind == Call::connect) connect_calls.push_back(&c);
    if (c.kind == Call::send && c.envelope.has_capacity_report() && closed_at == SteadyClock::time_point{})
      closed_at = c.at;
  }
  ASSERT_EQ(connect_calls.size(), 2u);
  EXPECT_GE(connect_calls[1]->at - closed_at, std::chrono::milliseconds(50)) << "revoked: wait the whole cap";
}

TEST(AgentRuntime, GarbageFromTheManagerClosesAndReconnects) {
  SystemClock clock;
  testing::FakeSessionBackend backend;
  AgentRuntime runtime(fast_options(), backend, clock);
  ScriptedChannel channel(&runtime);
  int connects = 0;
  channel.on_connect = [&](ScriptedChannel& c, ConnectionId id) {
    if (++connects == 2) runtime.stop();
    c.events().on_channel_open(id);
  };
  channel.on_send = [](ScriptedChannel& c, ConnectionId id, const Envelope& e) {
    if (!e.has_hello()) return;
    Envelope w = welcome();
    w.set_seq(7);  // not 1: the manager broke the protocol
    c.events().on_channel_envelope(id, w);
  };
  runtime.run(channel);

  ASSERT_GE(channel.calls.size(), 4u);
  EXPECT_EQ(channel.calls[2].kind, Call::close);
  EXPECT_EQ(channel.calls[2].code, kCloseProtocolError);
  EXPECT_EQ(channel.calls[3].kind, Call::connect);
  EXPECT_EQ(channel.calls[3].id, channel.calls[0].id + 1);
  EXPECT_FALSE(runtime.reconnect_policy().revoked());
}

TEST(AgentRuntime, EventsOfAnOldConnectionAreIgnored) {
  SystemClock clock;
  testing::FakeSessionBackend backend;
  AgentRuntime runtime(fast_options(), backend, clock);
  ScriptedChannel channel(&runtime);
  int connects = 0;
  channel.on_connect = [&](ScriptedChannel& c, ConnectionId id) {
    ++connects;
    if (connects == 1) {
      c.events().on_channel_closed(id, CloseInfo{0, "connection refused"});
      return;
    }
    // Late events for attempt 1 must not touch attempt 2.
    c.events().on_channel_envelope(id - 1, welcome());
    c.events().on_channel_closed(id - 1, CloseInfo{kCloseRevoked, "stale"});
    c.events().on_channel_open(id);
    runtime.stop();
  };
  runtime.run(channel);
  EXPECT_EQ(connects, 2);
  EXPECT_FALSE(runtime.reconnect_policy().revoked());
  // Attempt 2 opened and said Hello, then closed going away.
  ASSERT_GE(channel.calls.size(), 3u);
  EXPECT_TRUE(channel.calls[2].envelope.has_hello());
  EXPECT_EQ(channel.calls.back().kind, Call::close);
  EXPECT_EQ(channel.calls.back().code, kCloseGoingAway);
}

Envelope command(const std::string& id) {
  Envelope e;
  e.mutable_command()->set_command_id(id);
  return e;
}

// The manager's frames as the runtime sent them, without the connect and close calls.
std::vector<Envelope> sent(const std::vector<Call>& calls) {
  std::vector<Envelope> out;
  for (const Call& c : calls) {
    if (c.kind == Call::send) out.push_back(c.envelope);
  }
  return out;
}

TEST(AgentRuntime, CapacityIsReportedOnceAfterWelcomeAndThenOnlyOnChange) {
  SystemClock clock;
  testing::FakeSessionBackend backend;
  AgentRuntime runtime(fast_options(), backend, clock);
  ScriptedChannel channel(&runtime);
  constexpr int kQuietHeartbeats = 3;
  int heartbeats = 0;
  channel.on_send = [&](ScriptedChannel& c, ConnectionId id, const Envelope& e) {
    if (e.has_hello()) {
      Envelope w = welcome();
      w.mutable_welcome()->set_heartbeat_interval_seconds(1);
      c.reply(id, w);
    }
    if (e.has_heartbeat() && ++heartbeats == kQuietHeartbeats) {
      Envelope prepare = command("cmd-prepare");
      prepare.mutable_command()->mutable_prepare_session()->set_session_id("s1");
      prepare.mutable_command()->mutable_prepare_session()->set_user("alice");
      c.reply(id, prepare);
    }
    if (e.has_capacity_report() && e.capacity_report().sessions_size() == 1) {
      Envelope stop = command("cmd-stop");
      stop.mutable_command()->mutable_shutdown();
      c.reply(id, stop);
    }
  };
  runtime.run(channel);

  std::vector<Envelope> frames = sent(channel.calls);
  std::vector<size_t> reports;
  for (size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].has_capacity_report()) reports.push_back(i);
  }
  ASSERT_EQ(reports.size(), 2u) << "one after the Welcome, one for the prepared session";
  EXPECT_EQ(reports[0], 1u) << "right after the Hello, before any heartbeat";
  EXPECT_EQ(frames[reports[0]].capacity_report().sessions_size(), 0);
  int between = 0;
  for (size_t i = reports[0]; i < reports[1]; ++i) between += frames[i].has_heartbeat() ? 1 : 0;
  EXPECT_EQ(between, kQuietHeartbeats) << "heartbeats alone, no repeated report";
  ASSERT_TRUE(frames[reports[1] - 1].has_command_result());
  EXPECT_TRUE(frames[reports[1] - 1].command_result().ok());
  EXPECT_GT(frames[reports[1]].capacity_report().generation(), frames[reports[0]].capacity_report().generation());
  EXPECT_EQ(frames.back().command_result().command_id(), "cmd-stop");
}

TEST(AgentRuntime, SessionsTheBackendFindsAreReportedAtOnce) {
  SystemClock clock;
  testing::FakeSessionBackend backend;
  AgentRuntime runtime(fast_options(), backend, clock);
  ScriptedChannel channel(&runtime);
  std::thread host_event;
  int reports = 0;
  channel.on_send = [&](ScriptedChannel& c, ConnectionId id, const Envelope& e) {
    if (e.has_hello()) c.reply(id, welcome());  // 60 s heartbeats: none in this test
    if (!e.has_capacity_report()) return;
    if (++reports == 1) {
      // A user logs on at the console: the backend notices on its own thread.
      host_event = std::thread([&] { backend.detect("console-1", "carol"); });
      return;
    }
    Envelope stop = command("cmd-stop");
    stop.mutable_command()->mutable_shutdown();
    c.reply(id, stop);
  };
  runtime.run(channel);
  host_event.join();

  ASSERT_EQ(reports, 2);
  std::vector<Envelope> frames = sent(channel.calls);
  const Envelope* last_report = nullptr;
  for (const Envelope& e : frames) {
    if (e.has_capacity_report()) last_report = &e;
  }
  ASSERT_NE(last_report, nullptr);
  ASSERT_EQ(last_report->capacity_report().sessions_size(), 1);
  EXPECT_EQ(last_report->capacity_report().sessions(0).user(), "carol");
  EXPECT_EQ(runtime.host().capacity().sessions().size(), 1u);
}

}  // namespace
}  // namespace corral::agent
