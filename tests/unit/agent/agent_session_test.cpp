#include "agent/agent_session.h"

#include <gtest/gtest.h>

namespace corral::agent {
namespace {

using corral::agent::v1::Envelope;

class AgentSessionTest : public ::testing::Test {
 protected:
  AgentSessionTest() : capacity_(3, 500), session_(hello(), capacity_, clock_) {}

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
  Capacity capacity_;
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

TEST_F(AgentSessionTest, HeartbeatCarriesCapacityWithoutNewGeneration) {
  greet();
  for (int i = 0; i < 3; ++i) {
    SessionOutput out = session_.heartbeat();
    ASSERT_EQ(out.frames.size(), 2u);
    EXPECT_TRUE(out.frames[0].has_heartbeat());
    ASSERT_TRUE(out.frames[1].has_capacity_report());
    EXPECT_EQ(out.frames[1].capacity_report().generation(), 500u);
    EXPECT_EQ(out.frames[1].seq(), out.frames[0].seq() + 1);
  }
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
  EXPECT_EQ(capacity_.generation(), 501u);
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

TEST_F(AgentSessionTest, LogoffIsRefusedUntilSessionBackendsExist) {
  greet();
  Envelope logoff = command("cmd-4");
  logoff.mutable_command()->mutable_logoff_session()->set_session_id("s1");
  SessionOutput out = session_.on_frame(logoff);
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0].command_result().command_id(), "cmd-4");
  EXPECT_FALSE(out.frames[0].command_result().ok());
  EXPECT_EQ(out.frames[0].command_result().message(), "no session backend yet");
}

TEST_F(AgentSessionTest, UnknownCommandIsAnsweredNotOk) {
  greet();
  SessionOutput out = session_.on_frame(command("cmd-5"));
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0].command_result().command_id(), "cmd-5");
  EXPECT_FALSE(out.frames[0].command_result().ok());
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

  AgentSession second(hello(), capacity_, clock_);
  second.open();
  manager_seq_ = 0;
  ASSERT_TRUE(second.on_frame(welcome()).welcomed);
  EXPECT_FALSE(second.on_frame(welcome()).protocol_error.empty());

  AgentSession third(hello(), capacity_, clock_);
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

  AgentSession slow(hello(), capacity_, clock_);
  slow.open();
  manager_seq_ = 0;
  ASSERT_TRUE(slow.on_frame(welcome(1'000'000)).welcomed);
  EXPECT_EQ(slow.heartbeat_interval(), std::chrono::seconds(3600));
}

}  // namespace
}  // namespace corral::agent
