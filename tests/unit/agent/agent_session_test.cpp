#include "agent/agent_session.h"

#include <gtest/gtest.h>

#include "tests/unit/agent/fake_session_backend.h"

namespace corral::agent {
namespace {

using corral::agent::v1::Envelope;

class AgentSessionTest : public ::testing::Test {
 protected:
  AgentSessionTest() : host_(hello(), 3, backend_, 500), session_(host_, clock_) {}

  static corral::agent::v1::Hello hello() {
    corral::agent::v1::Hello h;
    h.set_agent_version("0.1.0");
    h.set_hostname("host-1");
    (*h.mutable_labels())["zone"] = "a";
    return h;
  }

  // The manager's next frame, numbered as the real one numbers them.
  Envelope from_manager() {
    Envelope e;
    e.set_seq(++manager_seq_);
    return e;
  }

  Envelope welcome(uint32_t interval = 15) {
    Envelope e = from_manager();
    e.mutable_welcome()->set_agent_id("agent-1");
    e.mutable_welcome()->set_heartbeat_interval_seconds(interval);
    return e;
  }

  Envelope command(const std::string& id) {
    Envelope e = from_manager();
    e.mutable_command()->set_command_id(id);
    return e;
  }

  void greet() {
    session_.open();
    ASSERT_TRUE(session_.on_frame(welcome()).welcomed);
  }

  ManualClock clock_;
  testing::FakeSessionBackend backend_;
  Host host_;
  AgentSession session_;
  uint64_t manager_seq_ = 0;
};

TEST_F(AgentSessionTest, OpensWithHelloAtSeqOne) {
  SessionOutput out = session_.open();
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0].seq(), 1u);
  EXPECT_EQ(out.frames[0].ack(), 0u);
  ASSERT_TRUE(out.frames[0].has_hello());
  EXPECT_EQ(out.frames[0].hello().hostname(), "host-1");
  EXPECT_EQ(out.frames[0].hello().labels().at("zone"), "a");
  ASSERT_EQ(out.frames[0].hello().backends_size(), 1);
  EXPECT_EQ(out.frames[0].hello().backends(0), corral::agent::v1::BACKEND_KIND_XRDP) << "the backend's kind";
}

TEST_F(AgentSessionTest, WelcomeIsAnsweredWithCapacity) {
  session_.open();
  EXPECT_TRUE(session_.heartbeat().frames.empty()) << "no heartbeat before the Welcome";
  SessionOutput out = session_.on_frame(welcome(15));
  EXPECT_TRUE(out.welcomed);
  EXPECT_TRUE(out.protocol_error.empty());
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0].seq(), 2u);
  EXPECT_EQ(out.frames[0].ack(), 1u);
  ASSERT_TRUE(out.frames[0].has_capacity_report());
  EXPECT_EQ(out.frames[0].capacity_report().max_sessions(), 3u);
  EXPECT_EQ(out.frames[0].capacity_report().generation(), 500u);
  EXPECT_EQ(session_.heartbeat_interval(), std::chrono::seconds(15));
  EXPECT_EQ(session_.welcome().agent_id(), "agent-1");
}

TEST_F(AgentSessionTest, HeartbeatsRepeatNoUnchangedReport) {
  greet();
  for (int i = 0; i < 5; ++i) {
    SessionOutput out = session_.heartbeat();
    ASSERT_EQ(out.frames.size(), 1u) << "heartbeat " << i << ": the Welcome's report is still current";
    EXPECT_TRUE(out.frames[0].has_heartbeat());
  }
  EXPECT_TRUE(session_.report_if_changed().frames.empty());

  // A session the backend found by itself: the next heartbeat carries it, once.
  backend_.detect("s9", "dave");
  ASSERT_TRUE(host_.refresh_sessions());
  SessionOutput out = session_.heartbeat();
  ASSERT_EQ(out.frames.size(), 2u);
  ASSERT_TRUE(out.frames[1].has_capacity_report());
  EXPECT_EQ(out.frames[1].capacity_report().generation(), 501u);
  ASSERT_EQ(out.frames[1].capacity_report().sessions_size(), 1);
  EXPECT_EQ(out.frames[1].capacity_report().sessions(0).user(), "dave");
  EXPECT_EQ(session_.heartbeat().frames.size(), 1u);
}

TEST_F(AgentSessionTest, EveryConnectionStartsWithAReport) {
  greet();
  // The next connection reports the same capacity again right after its Welcome.
  AgentSession next(host_, clock_);
  next.open();
  manager_seq_ = 0;
  SessionOutput out = next.on_frame(welcome());
  ASSERT_EQ(out.frames.size(), 1u);
  ASSERT_TRUE(out.frames[0].has_capacity_report());
  EXPECT_EQ(out.frames[0].capacity_report().generation(), 500u);
}

TEST_F(AgentSessionTest, DrainAnswersAndReportsTheChange) {
  greet();
  Envelope drain = command("cmd-1");
  drain.mutable_command()->mutable_drain()->set_enabled(true);
  SessionOutput out = session_.on_frame(drain);
  ASSERT_EQ(out.frames.size(), 2u);
  ASSERT_TRUE(out.frames[0].has_command_result());
  EXPECT_EQ(out.frames[0].command_result().command_id(), "cmd-1");
  EXPECT_TRUE(out.frames[0].command_result().ok());
  EXPECT_EQ(out.frames[0].ack(), drain.seq());
  ASSERT_TRUE(out.frames[1].has_capacity_report());
  EXPECT_TRUE(out.frames[1].capacity_report().draining());
  EXPECT_EQ(out.frames[1].capacity_report().generation(), 501u);

  // The same state again is no change: answered, not reported.
  Envelope again = command("cmd-2");
  again.mutable_command()->mutable_drain()->set_enabled(true);
  out = session_.on_frame(again);
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0].command_result().command_id(), "cmd-2");
  EXPECT_EQ(host_.capacity().generation(), 501u);
}

TEST_F(AgentSessionTest, SetMaxSessionsAnswersAndReports) {
  greet();
  Envelope set = command("cmd-3");
  set.mutable_command()->mutable_set_max_sessions()->set_max_sessions(8);
  SessionOutput out = session_.on_frame(set);
  ASSERT_EQ(out.frames.size(), 2u);
  EXPECT_EQ(out.frames[0].command_result().command_id(), "cmd-3");
  EXPECT_TRUE(out.frames[0].command_result().ok());
  EXPECT_EQ(out.frames[1].capacity_report().max_sessions(), 8u);
  EXPECT_EQ(out.frames[1].capacity_report().generation(), 501u);
}

TEST_F(AgentSessionTest, PrepareAnswersAndReportsTheSession) {
  greet();
  Envelope prepare = command("cmd-p");
  prepare.mutable_command()->mutable_prepare_session()->set_session_id("s1");
  prepare.mutable_command()->mutable_prepare_session()->set_user("alice");
  SessionOutput out = session_.on_frame(prepare);
  ASSERT_EQ(out.frames.size(), 2u);
  EXPECT_EQ(out.frames[0].command_result().command_id(), "cmd-p");
  EXPECT_TRUE(out.frames[0].command_result().ok()) << out.frames[0].command_result().message();
  ASSERT_TRUE(out.frames[1].has_capacity_report());
  ASSERT_EQ(out.frames[1].capacity_report().sessions_size(), 1);
  EXPECT_EQ(out.frames[1].capacity_report().sessions(0).id(), "s1");
  EXPECT_EQ(out.frames[1].capacity_report().sessions(0).state(), corral::agent::v1::SESSION_STATE_ACTIVE);

  // The same command again (a manager retrying after a lost answer): ok, no new report.
  Envelope again = command("cmd-p2");
  *again.mutable_command()->mutable_prepare_session() = prepare.command().prepare_session();
  out = session_.on_frame(again);
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_TRUE(out.frames[0].command_result().ok());

  Envelope logoff = command("cmd-l");
  logoff.mutable_command()->mutable_logoff_session()->set_session_id("s1");
  out = session_.on_frame(logoff);
  ASSERT_EQ(out.frames.size(), 2u);
  EXPECT_TRUE(out.frames[0].command_result().ok());
  EXPECT_EQ(out.frames[1].capacity_report().sessions_size(), 0);
}

TEST_F(AgentSessionTest, LogoffOfAnUnknownSessionIsAnsweredNotOk) {
  greet();
  Envelope logoff = command("cmd-4");
  logoff.mutable_command()->mutable_logoff_session()->set_session_id("s1");
  SessionOutput out = session_.on_frame(logoff);
  ASSERT_EQ(out.frames.size(), 1u) << "nothing changed: no report";
  EXPECT_EQ(out.frames[0].command_result().command_id(), "cmd-4");
  EXPECT_FALSE(out.frames[0].command_result().ok());
  EXPECT_EQ(out.frames[0].command_result().failure(), corral::agent::v1::COMMAND_FAILURE_UNKNOWN_SESSION);
  EXPECT_NE(out.frames[0].command_result().message().find("s1"), std::string::npos);
}

TEST_F(AgentSessionTest, WelcomeSettingsApplyBeforeTheFirstReport) {
  session_.open();
  Envelope w = welcome();
  auto* settings = w.mutable_welcome()->mutable_settings();
  settings->set_max_sessions(9);
  settings->set_draining(true);
  (*settings->mutable_labels())["pool"] = "blue";
  SessionOutput out = session_.on_frame(w);
  ASSERT_EQ(out.frames.size(), 1u);
  const auto& report = out.frames[0].capacity_report();
  EXPECT_EQ(report.max_sessions(), 9u) << "the manager's value, not the config file's 3";
  EXPECT_TRUE(report.draining());
  // Labels go out with the next Hello, replacing the config file's as a whole.
  EXPECT_EQ(host_.hello().labels().size(), 1u);
  EXPECT_EQ(host_.hello().labels().at("pool"), "blue");
}

TEST_F(AgentSessionTest, WelcomeWithoutSettingsKeepsTheAgentsValues) {
  greet();
  Envelope drain = command("cmd-d");
  drain.mutable_command()->mutable_drain()->set_enabled(true);
  ASSERT_TRUE(session_.on_frame(drain).frames[0].command_result().ok());

  // A reconnect to a manager that sends no settings (the agent backs no server).
  AgentSession next(host_, clock_);
  next.open();
  manager_seq_ = 0;
  SessionOutput out = next.on_frame(welcome());
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0].capacity_report().max_sessions(), 3u);
  EXPECT_TRUE(out.frames[0].capacity_report().draining()) << "the drain of this run stays";
  EXPECT_EQ(host_.hello().labels().at("zone"), "a");
}

TEST_F(AgentSessionTest, SetLabelsReplacesThemForTheNextHello) {
  greet();
  Envelope set = command("cmd-lab");
  (*set.mutable_command()->mutable_set_labels()->mutable_labels())["gpu"] = "yes";
  SessionOutput out = session_.on_frame(set);
  ASSERT_EQ(out.frames.size(), 1u) << "labels are not in the capacity report";
  EXPECT_TRUE(out.frames[0].command_result().ok());
  EXPECT_EQ(host_.hello().labels().size(), 1u);
  EXPECT_EQ(host_.hello().labels().at("gpu"), "yes");

  Envelope bad = command("cmd-lab2");
  (*bad.mutable_command()->mutable_set_labels()->mutable_labels())[""] = "x";
  out = session_.on_frame(bad);
  EXPECT_FALSE(out.frames[0].command_result().ok());
  EXPECT_EQ(out.frames[0].command_result().failure(), corral::agent::v1::COMMAND_FAILURE_INVALID_ARGUMENT);
  EXPECT_EQ(host_.hello().labels().at("gpu"), "yes") << "a refused set changes nothing";
}

TEST_F(AgentSessionTest, UnknownCommandIsAnsweredNotOk) {
  greet();
  SessionOutput out = session_.on_frame(command("cmd-5"));
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0].command_result().command_id(), "cmd-5");
  EXPECT_FALSE(out.frames[0].command_result().ok());
  EXPECT_EQ(out.frames[0].command_result().failure(), corral::agent::v1::COMMAND_FAILURE_UNKNOWN_COMMAND);
}

TEST_F(AgentSessionTest, ShutdownAnswersThenStops) {
  greet();
  Envelope stop = command("cmd-6");
  stop.mutable_command()->mutable_shutdown()->set_reason("scale-in");
  SessionOutput out = session_.on_frame(stop);
  EXPECT_TRUE(out.shutdown);
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0].command_result().command_id(), "cmd-6");
  EXPECT_TRUE(out.frames[0].command_result().ok());
  EXPECT_TRUE(session_.heartbeat().frames.empty()) << "nothing more after Shutdown";
}

TEST_F(AgentSessionTest, OutOfOrderSeqIsAProtocolError) {
  session_.open();
  Envelope w = welcome();
  w.set_seq(2);
  EXPECT_FALSE(session_.on_frame(w).protocol_error.empty());
}

TEST_F(AgentSessionTest, WrongMessagesAreProtocolErrors) {
  session_.open();
  Envelope early = command("too-early");
  early.mutable_command()->mutable_drain()->set_enabled(true);
  EXPECT_EQ(session_.on_frame(early).protocol_error, "Command before Welcome");

  AgentSession second(host_, clock_);
  second.open();
  manager_seq_ = 0;
  ASSERT_TRUE(second.on_frame(welcome()).welcomed);
  EXPECT_FALSE(second.on_frame(welcome()).protocol_error.empty());

  AgentSession third(host_, clock_);
  third.open();
  Envelope hello_back;
  hello_back.set_seq(1);
  hello_back.mutable_hello();
  EXPECT_FALSE(third.on_frame(hello_back).protocol_error.empty());
}

TEST_F(AgentSessionTest, MessagesFromANewerManagerAreSkipped) {
  greet();
  Envelope future = from_manager();  // a body this build does not know decodes with none set
  SessionOutput out = session_.on_frame(future);
  EXPECT_TRUE(out.protocol_error.empty()) << out.protocol_error;
  Envelope c = command("after-the-unknown-one");
  c.mutable_command()->mutable_drain()->set_enabled(true);
  EXPECT_TRUE(session_.on_frame(c).protocol_error.empty()) << "the sequence still lines up";
}

TEST_F(AgentSessionTest, HeartbeatIntervalDefaultsAndIsBounded) {
  EXPECT_EQ(session_.heartbeat_interval(), kDefaultHeartbeatInterval);
  session_.open();
  ASSERT_TRUE(session_.on_frame(welcome(0)).welcomed);
  EXPECT_EQ(session_.heartbeat_interval(), kDefaultHeartbeatInterval);

  AgentSession slow(host_, clock_);
  slow.open();
  manager_seq_ = 0;
  ASSERT_TRUE(slow.on_frame(welcome(1'000'000)).welcomed);
  EXPECT_EQ(slow.heartbeat_interval(), std::chrono::seconds(3600));
}

}  // namespace
}  // namespace corral::agent
