// The agent channel under stress: manager restarts, garbage and oversized frames, silence,
// commands. Real manager and agents; raw clients only where a real agent would never misbehave.
#include "common/ws/envelope_codec.h"
#include "tests/integration/harness/enroll_client.h"
#include "tests/integration/harness/fleet_test.h"
#include "tests/integration/harness/raw_client.h"

namespace corral::testing {
namespace {

using namespace std::chrono_literals;

class AgentChannelTest : public FleetTest {
 protected:
  // A raw websocket with a freshly enrolled certificate that has said Hello.
  std::unique_ptr<RawWebSocket> raw_agent(const ManagerUnderTest& m, const std::string& hostname,
                                          std::string* agent_id = nullptr) {
    auto identity = enroll_test_identity(m, m.create_join_token(), hostname);
    EXPECT_TRUE(identity.ok()) << identity.status().message();
    if (!identity.ok()) return nullptr;
    if (agent_id) *agent_id = identity->agent_id;
    auto ws = RawWebSocket::open(m.agent_port(),
                                 TlsClientOptions{m.ca_pem(), identity->certificate_pem, identity->private_key_pem});
    EXPECT_TRUE(ws.ok()) << ws.status().message();
    if (!ws.ok()) return nullptr;
    corral::agent::v1::Envelope hello;
    hello.set_seq(1);
    hello.mutable_hello()->set_hostname(hostname);
    EXPECT_TRUE((*ws)->send_frame(2, ws::encode_envelope(hello)).ok());
    auto welcome = (*ws)->read_frame(10s);
    EXPECT_TRUE(welcome.ok()) << welcome.status().message();
    if (welcome.ok()) {
      auto env = ws::decode_envelope(welcome->payload);
      EXPECT_TRUE(env.ok() && env->has_welcome());
    }
    return std::move(ws).value();
  }
};

TEST_F(AgentChannelTest, ShutdownAboveTheGracefulLimitDropsConnectionsAndAgentsComeBack) {
  // The path a large fleet takes (docs/operations.md, shutdown_graceful_close_limit), with a
  // limit small enough for a test: three agents are one more than it.
  auto m = start_manager("m", "shutdown_graceful_close_limit: 2\n");
  std::vector<Process> agents;
  std::vector<std::string> ids;
  for (const char* name : {"a1", "a2", "a3"}) agents.push_back(start_agent(*m, work_, name, m->create_join_token()));
  for (auto& a : agents) {
    ASSERT_TRUE(a.wait_for_log("event=agent.welcome", 20s)) << a.log();
    ids.push_back(agent_id_from_log(a));
  }
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& id : ids) {
          if (m->agent_status(id) != "AGENT_STATUS_ONLINE") return false;
        }
        return true;
      },
      10s));

  EXPECT_EQ(m->stop(), std::optional<int>(0)) << m->process().log();
  EXPECT_NE(m->process().log().find("connections_left_to_exit=3"), std::string::npos) << m->process().log();
  for (auto& a : agents) {
    EXPECT_EQ(a.log().find("close_code=1001"), std::string::npos) << "above the limit there is no websocket close";
  }

  ASSERT_TRUE(m->start()) << m->process().log();
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_TRUE(eventually([&] { return m->agent_status(ids[i]) == "AGENT_STATUS_ONLINE"; }, 40s)) << agents[i].log();
    EXPECT_EQ(agents[i].count_in_log("event=agent.enrolled"), 1) << agents[i].log();
  }
}

TEST_F(AgentChannelTest, ManagerRestartAgentReconnectsWithoutReenrolling) {
  auto m = start_manager();
  Process agent = start_agent(*m, work_, "a1", m->create_join_token());
  ASSERT_TRUE(agent.wait_for_log("event=agent.welcome", 20s));
  std::string id = agent_id_from_log(agent);

  ASSERT_TRUE(m->restart()) << m->process().log();
  EXPECT_TRUE(agent.wait_for_log("close_code=1001", 20s)) << "a stopping manager says goodbye\n" << agent.log();
  // The registry must survive a restart. The agent may already be back by the time this asks (its
  // first retry can beat a slow manager start), so either state shows the agent is still known.
  const std::string after_restart = m->agent_status(id);
  EXPECT_TRUE(after_restart == "AGENT_STATUS_OFFLINE" || after_restart == "AGENT_STATUS_ONLINE") << after_restart;
  ASSERT_TRUE(eventually([&] { return m->agent_status(id) == "AGENT_STATUS_ONLINE"; }, 40s)) << agent.log();
  EXPECT_EQ(agent.count_in_log("event=agent.enrolled"), 1) << agent.log();
  // The registry is online at Hello; the agent logs its Welcome a moment later.
  EXPECT_TRUE(eventually([&] { return agent.count_in_log("event=agent.welcome") == 2; }, 10s)) << agent.log();
  EXPECT_EQ(agent_id_from_log(agent), id);

  // SIGTERM is a clean exit; a later start needs only the data directory.
  EXPECT_EQ(agent.stop(), std::optional<int>(0)) << agent.log();
  Process again = start_agent(*m, work_, "a1", "");
  ASSERT_TRUE(again.wait_for_log("event=agent.welcome", 20s)) << again.log();
  EXPECT_EQ(again.count_in_log("event=agent.enrolled"), 1);  // the log file is shared: still one
  EXPECT_EQ(m->stop(), std::optional<int>(0)) << "the manager exits cleanly on SIGTERM";
}

TEST_F(AgentChannelTest, GarbageOrOversizedFrameClosesOnlyThatConnection) {
  auto m = start_manager();
  Process a1 = start_agent(*m, work_, "a1", m->create_join_token());
  Process a2 = start_agent(*m, work_, "a2", m->create_join_token());
  ASSERT_TRUE(a1.wait_for_log("event=agent.welcome", 20s));
  ASSERT_TRUE(a2.wait_for_log("event=agent.welcome", 20s));
  std::string id1 = agent_id_from_log(a1), id2 = agent_id_from_log(a2);

  auto garbage = raw_agent(*m, "garbage");
  ASSERT_TRUE(garbage);
  ASSERT_TRUE(garbage->send_frame(2, std::string("\xff\xff\xff\xff not protobuf", 17)).ok());
  auto code = garbage->wait_closed(10s);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1007) << "invalid payload";

  auto big = raw_agent(*m, "big");
  ASSERT_TRUE(big);
  // Larger than the default max_frame_bytes (256 KiB), sent in fragments.
  std::string chunk(100 * 1024, 'x');
  (void)big->send_frame(2, chunk, false);
  (void)big->send_frame(0, chunk, false);
  (void)big->send_frame(0, chunk, true);
  code = big->wait_closed(10s);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1009) << "message too big";

  auto text = raw_agent(*m, "text");
  ASSERT_TRUE(text);
  (void)text->send_frame(1, "hello");
  code = text->wait_closed(10s);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1003);

  // The real agents never noticed.
  EXPECT_EQ(m->agent_status(id1), "AGENT_STATUS_ONLINE");
  EXPECT_EQ(m->agent_status(id2), "AGENT_STATUS_ONLINE");
  EXPECT_EQ(a1.count_in_log("event=agent.disconnected"), 0) << a1.log();
  EXPECT_EQ(a2.count_in_log("event=agent.disconnected"), 0) << a2.log();
  EXPECT_TRUE(a1.running());
}

TEST_F(AgentChannelTest, FirstFrameMustBeHelloAndSeqMustIncrease) {
  auto m = start_manager();
  auto identity = enroll_test_identity(*m, m->create_join_token(), "rude");
  ASSERT_TRUE(identity.ok());
  TlsClientOptions options{m->ca_pem(), identity->certificate_pem, identity->private_key_pem};
  {
    auto ws = RawWebSocket::open(m->agent_port(), options);
    ASSERT_TRUE(ws.ok());
    corral::agent::v1::Envelope hb;
    hb.set_seq(1);
    hb.mutable_heartbeat();
    ASSERT_TRUE((*ws)->send_frame(2, ws::encode_envelope(hb)).ok());
    auto code = (*ws)->wait_closed(10s);
    ASSERT_TRUE(code.ok());
    EXPECT_EQ(*code, 4002);
  }
  auto ws = raw_agent(*m, "rude2");
  ASSERT_TRUE(ws);
  corral::agent::v1::Envelope hb;
  hb.set_seq(1);  // Hello already used seq 1
  hb.mutable_heartbeat();
  ASSERT_TRUE(ws->send_frame(2, ws::encode_envelope(hb)).ok());
  auto code = ws->wait_closed(10s);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 4002);
}

TEST_F(AgentChannelTest, SilentAgentBecomesMissingAfterThreeIntervals) {
  auto m = start_manager("m", "heartbeat_interval_seconds: 1\n");
  Process real = start_agent(*m, work_, "chatty", m->create_join_token());
  ASSERT_TRUE(real.wait_for_log("event=agent.welcome", 20s));
  std::string real_id = agent_id_from_log(real);

  std::string silent_id;
  auto silent = raw_agent(*m, "silent", &silent_id);
  ASSERT_TRUE(silent);
  EXPECT_EQ(m->agent_status(silent_id), "AGENT_STATUS_ONLINE");
  ASSERT_TRUE(eventually([&] { return m->agent_status(silent_id) == "AGENT_STATUS_MISSING"; }, 10s));
  EXPECT_EQ(m->agent_status(real_id), "AGENT_STATUS_ONLINE") << "heartbeats keep a real agent online";

  // Speaking again brings it back.
  corral::agent::v1::Envelope hb;
  hb.set_seq(2);
  hb.mutable_heartbeat();
  ASSERT_TRUE(silent->send_frame(2, ws::encode_envelope(hb)).ok());
  EXPECT_TRUE(eventually([&] { return m->agent_status(silent_id) == "AGENT_STATUS_ONLINE"; }, 5s));
}

TEST_F(AgentChannelTest, CommandsReachTheAgentAndChangeItsCapacity) {
  auto m = start_manager();
  Process agent = start_agent(*m, work_, "a1", m->create_join_token(), {"--max-sessions", "2"});
  ASSERT_TRUE(agent.wait_for_log("event=agent.welcome", 20s));
  std::string id = agent_id_from_log(agent);

  auto r =
      m->call("POST", "/api/v1/agents/" + id + "/commands", R"({"command": {"setMaxSessions": {"maxSessions": 7}}})");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 202) << r->body;
  std::string command_id = json_string_field(r->body, "commandId");
  ASSERT_FALSE(command_id.empty());
  EXPECT_TRUE(eventually(
      [&] {
        auto a = m->call("GET", "/api/v1/agents/" + id);
        return a.ok() && a->body.find("\"maxSessions\":7") != std::string::npos;
      },
      10s));
  EXPECT_TRUE(m->process().wait_for_log("command_id=" + command_id + " ok=true", 10s)) << m->process().log();

  r = m->call("POST", "/api/v1/agents/" + id + "/commands", R"({"command": {"drain": {"enabled": true}}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 202);
  EXPECT_TRUE(eventually(
      [&] {
        auto a = m->call("GET", "/api/v1/agents/" + id);
        return a.ok() && a->body.find("\"draining\":true") != std::string::npos;
      },
      10s));

  // Unknown agents and disconnected agents are errors, not silent drops.
  r = m->call("POST", "/api/v1/agents/nope/commands", R"({"command": {"drain": {"enabled": true}}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  ASSERT_TRUE(agent.stop().has_value());
  ASSERT_TRUE(eventually([&] { return m->agent_status(id) == "AGENT_STATUS_OFFLINE"; }, 10s));
  r = m->call("POST", "/api/v1/agents/" + id + "/commands", R"({"command": {"drain": {"enabled": true}}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 409);
}

}  // namespace
}  // namespace corral::testing
