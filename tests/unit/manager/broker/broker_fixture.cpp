#include "tests/unit/manager/broker/broker_fixture.h"

#include <utility>

namespace corral::broker::testing {

using store::test_support::kNow;

void BrokerTest::SetUp() {
  BrokerStoreTest::SetUp();
  core_.emplace(*store_);
  add_agent("a1");
  add_agent("a2");
  ASSERT_TRUE(store_->pools().insert(pool("p1")).ok());
  add_server("s1", "a1");
  add_server("s2", "a2");
  ASSERT_TRUE(store_->workspaces().insert(workspace("w1", "p1")).ok());
  start();
}

void BrokerTest::TearDown() {
  stop();
  core_.reset();
}

void BrokerTest::start(store::StoreExecutor* exec) {
  if (exec == nullptr) exec = &core_->store();
  manager::RegistrySettings rs;
  rs.heartbeat_interval_seconds = 10;
  rs.command_timeout = std::chrono::seconds(60);
  registry_ = std::make_unique<manager::AgentRegistry>(*exec, clock_, rs, transport_, events_, settings_table_);
  ASSERT_TRUE(registry_->load(*store_).ok());
  broker_ = std::make_unique<Broker>(*exec, clock_, broker_settings_, *registry_, events_, settings_table_);
  Status loaded = broker_->load(*store_);
  ASSERT_TRUE(loaded.ok()) << loaded.to_string();
}

void BrokerTest::stop() {
  core_->drain();
  broker_.reset();
  registry_.reset();
  settings_table_ = ServerSettingsTable{};
  conns_.clear();
}

void BrokerTest::add_agent(const std::string& agent_id) { enroll(agent(agent_id, "serial-" + agent_id)); }

void BrokerTest::add_server(const std::string& id, const std::string& agent_id, uint32_t max_sessions) {
  store::ServerRecord s = server(id, "p1");
  s.agent_id = agent_id;
  s.max_sessions = max_sessions;
  Status added = store_->servers().insert(s);
  ASSERT_TRUE(added.ok()) << added.to_string();
}

void BrokerTest::send(manager::ConnId conn, v1::Envelope envelope) {
  envelope.set_seq(++seqs_[conn]);
  registry_->on_envelope(conn, envelope);
}

manager::ConnId BrokerTest::connect(const std::string& agent_id) {
  manager::ConnId conn = next_conn_++;
  conns_[agent_id] = conn;
  registry_->on_connected(conn, agent_id, "serial-" + agent_id, "10.0.0.9");
  v1::Envelope hello;
  hello.mutable_hello()->set_hostname("host-" + agent_id);
  send(conn, std::move(hello));
  return conn;
}

void BrokerTest::disconnect(const std::string& agent_id) {
  registry_->on_closed(conns_.at(agent_id), "network");
  conns_.erase(agent_id);
}

const v1::Welcome& BrokerTest::welcome(const std::string& agent_id) {
  for (const v1::Envelope& e : transport_.sent[conns_.at(agent_id)]) {
    if (e.has_welcome()) return e.welcome();
  }
  ADD_FAILURE() << agent_id << " was not welcomed";
  return v1::Welcome::default_instance();
}

std::vector<v1::Command> BrokerTest::commands(const std::string& agent_id) {
  const manager::ConnId conn = conns_.at(agent_id);
  const auto& sent = transport_.sent[conn];
  std::vector<v1::Command> out;
  for (size_t& i = read_[conn]; i < sent.size(); ++i) {
    if (sent[i].has_command()) out.push_back(sent[i].command());
  }
  return out;
}

void BrokerTest::answer(const std::string& agent_id, const v1::Command& command, bool ok, v1::CommandFailure failure) {
  v1::Envelope e;
  auto* result = e.mutable_command_result();
  result->set_command_id(command.command_id());
  result->set_ok(ok);
  result->set_failure(failure);
  send(conns_.at(agent_id), std::move(e));
}

void BrokerTest::report(const std::string& agent_id, const std::map<std::string, v1::SessionState>& sessions,
                        const std::string& user) {
  v1::CapacityReport r;
  r.set_max_sessions(2);
  for (const auto& [id, state] : sessions) {
    v1::Session* s = r.add_sessions();
    s->set_id(id);
    s->set_user(user);
    s->set_state(state);
    s->set_backend(v1::BACKEND_KIND_MANAGED);
  }
  send_report(agent_id, std::move(r));
}

void BrokerTest::send_report(const std::string& agent_id, v1::CapacityReport report) {
  report.set_generation(++generation_);
  v1::Envelope e;
  *e.mutable_capacity_report() = std::move(report);
  send(conns_.at(agent_id), std::move(e));
}

Result<PlaceOutcome> BrokerTest::place(const std::string& workspace_id, const std::string& user) {
  return core_->await<Result<PlaceOutcome>>([&](auto done) { broker_->place(workspace_id, user, std::move(done)); });
}

store::SessionRecord BrokerTest::placed(const std::string& workspace_id, const std::string& user) {
  Result<PlaceOutcome> outcome = place(workspace_id, user);
  EXPECT_TRUE(outcome.ok()) << outcome.status().to_string();
  if (!outcome.ok()) return {};
  const auto* session = std::get_if<PlacedSession>(&*outcome);
  EXPECT_NE(session, nullptr) << "refused: " << describe(std::get<NotPlaced>(*outcome));
  return session != nullptr ? session->session : store::SessionRecord{};
}

Result<store::SessionEnding> BrokerTest::end(const std::string& session_id, store::SessionEndReason reason) {
  return core_->await<Result<store::SessionEnding>>(
      [&](auto done) { broker_->end(session_id, reason, std::move(done)); });
}

store::SessionRecord BrokerTest::stored(const std::string& session_id) {
  auto got = store_->sessions().get(session_id);
  EXPECT_TRUE(got.ok() && got->has_value()) << "no stored session " << session_id;
  return got.ok() && got->has_value() ? **got : store::SessionRecord{};
}

}  // namespace corral::broker::testing
