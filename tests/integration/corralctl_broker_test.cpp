// corralctl drives the broker end to end against a real manager and a real corral-agent: pools,
// a static server backed by an agent enrolled with a token bound to it, a workspace, and sessions
// placed, confirmed by the agent, handed out as an .rdp file, refused when the pool is full and
// ended. The second test follows the walk-through in docs/operations.md step by step.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include "common/files.h"
#include "tests/integration/harness/fleet_test.h"

namespace corral::testing {
namespace {

using namespace std::chrono_literals;

class CorralctlBrokerTest : public FleetTest {
 protected:
  struct Run {
    int code = -1;
    std::string output;  // stdout and stderr together
  };

  // corralctl with the manager's first admin token, run in the work directory.
  Run ctl(const ManagerUnderTest& m, const std::vector<std::string>& args, const std::string& stdin_path = "") {
    std::string log = work_ + "/ctl-" + std::to_string(++runs_) + ".out";
    std::map<std::string, std::string> env = {{"CORRAL_SERVER", m.api_url()},
                                              {"CORRAL_CA_CERT", m.data_dir() + "/ca.crt"},
                                              {"CORRAL_TOKEN_FILE", m.data_dir() + "/admin.token"},
                                              {"HOME", work_}};
    Process p = Process::start(corralctl_binary(), args, log, env, {stdin_path, work_});
    Run r;
    r.code = p.wait_exit(30s).value_or(-1);
    r.output = p.log();
    outputs_ += r.output;
    return r;
  }

  // The value after "KEY:" in corralctl's key: value output, or "".
  static std::string field(const std::string& output, const std::string& key) {
    std::smatch m;
    if (std::regex_search(output, m, std::regex("(^|\n)" + key + ":[ ]+([^ \n]+)"))) return m[2];
    return "";
  }
  // The id in "... (id ID)" of a create command's line.
  static std::string created_id(const std::string& output) {
    std::smatch m;
    if (std::regex_search(output, m, std::regex(R"(\(id ([0-9a-f-]{36})\))"))) return m[1];
    return "";
  }

  int runs_ = 0;
  std::string outputs_;  // everything every corralctl run printed, to look for secrets in
};

#define EXPECT_HAS(run, text) EXPECT_NE((run).output.find(text), std::string::npos) << (run).output
#define ASSERT_OK(run) ASSERT_EQ((run).code, 0) << (run).output

TEST_F(CorralctlBrokerTest, PoolsByNameAndByIdAndWhatTheManagerRefuses) {
  auto m = start_manager();
  Run lab = ctl(
      *m, {"pools", "create", "lab", "--type", "server", "--label", "site=lab", "--rd-gateway", "gw.example.com:8443"});
  ASSERT_OK(lab);
  const std::string lab_id = created_id(lab.output);
  ASSERT_FALSE(lab_id.empty()) << lab.output;
  EXPECT_HAS(lab, "pool lab created (id " + lab_id + ")");
  Run other = ctl(*m, {"pools", "create", "other", "--type", "docker-agent"});
  ASSERT_OK(other);
  const std::string other_id = created_id(other.output);

  Run list = ctl(*m, {"pools", "list"});
  ASSERT_OK(list);
  EXPECT_HAS(list, "RD GATEWAY");
  EXPECT_HAS(list, "gw.example.com:8443");
  EXPECT_HAS(list, "docker-agent");
  EXPECT_HAS(list, other_id);

  for (const std::string& key : {std::string("lab"), lab_id}) {
    Run show = ctl(*m, {"pools", "show", key});
    ASSERT_OK(show);
    EXPECT_EQ(field(show.output, "id"), lab_id) << show.output;
    EXPECT_EQ(field(show.output, "rd gateway"), "gw.example.com:8443") << show.output;
    EXPECT_EQ(field(show.output, "labels"), "site=lab") << show.output;
  }

  // The manager checks what corralctl cannot: a ';' would start a setting of its own in .rdp
  // files. Its message quotes the violation with its path, so it is not listed twice.
  Run bad = ctl(*m, {"pools", "create", "bad", "--type", "server", "--rd-gateway", "gw;x.example.com"});
  EXPECT_EQ(bad.code, 1) << bad.output;
  EXPECT_HAS(bad, "corralctl: the pool has 1 problem: /rdGateway/hostname: may hold only printable characters");
  EXPECT_HAS(bad, "(HTTP 400 invalid_argument)");
  EXPECT_EQ(std::count(bad.output.begin(), bad.output.end(), '\n'), 1) << bad.output;
  EXPECT_EQ(ctl(*m, {"pools", "show", "bad"}).code, 1) << "nothing was created";

  // A pool with a server is kept, and the refusal says what is still in it.
  Run server = ctl(
      *m, {"servers", "create", "--pool", "lab", "--hostname", "ts1", "--address", "10.0.0.1", "--max-sessions", "2"});
  ASSERT_OK(server);
  const std::string server_id = created_id(server.output);
  Run kept = ctl(*m, {"pools", "delete", "lab"});
  EXPECT_EQ(kept.code, 1) << kept.output;
  EXPECT_HAS(kept, "pool lab still has 1 server; delete them first (HTTP 409");

  ASSERT_OK(ctl(*m, {"servers", "delete", server_id}));
  Run by_name = ctl(*m, {"pools", "delete", "lab"});
  ASSERT_OK(by_name);
  EXPECT_HAS(by_name, "pool lab (" + lab_id + ") deleted");
  Run by_id = ctl(*m, {"pools", "delete", other_id});
  ASSERT_OK(by_id);
  EXPECT_HAS(by_id, "pool other (" + other_id + ") deleted");

  Run gone = ctl(*m, {"pools", "delete", "lab"});
  EXPECT_EQ(gone.code, 1) << gone.output;
  EXPECT_HAS(gone, "404");
}

// docs/operations.md, "Walk-through: a pool, a static server, a session", with the agent running
// here instead of on ts1, and what an operator meets on the way: a shared account's password, a
// drain, an agent that already backs a server, a full pool, a second end.
TEST_F(CorralctlBrokerTest, TheWalkThroughWithARealAgent) {
  auto m = start_manager();
  // 1. The pool.
  Run pool =
      ctl(*m, {"pools", "create", "lab", "--type", "server", "--label", "site=lab", "--rd-gateway", "gw.example.com"});
  ASSERT_OK(pool);
  const std::string pool_id = created_id(pool.output);

  // 2. The host as a server; one session at most, so the second one finds the pool full.
  Run created = ctl(*m, {"servers", "create", "--pool", "lab", "--hostname", "ts1", "--address", "10.0.0.1",
                         "--username", "{sso_username}", "--max-sessions", "1"});
  ASSERT_OK(created);
  const std::string server = created_id(created.output);
  ASSERT_FALSE(server.empty()) << created.output;
  EXPECT_HAS(created, "server ts1 created in pool lab (id " + server + ")");

  // A shared account's password goes in on stdin and never comes out.
  const std::string password = "Tr0ub4dor-and-3";
  const std::string password_file = work_ + "/password";
  std::ofstream(password_file) << password << "\n";
  Run shared = ctl(*m,
                   {"servers", "create", "--pool", "lab", "--hostname", "ts2", "--address", "10.0.0.2", "--username",
                    "svc-rdp", "--password-stdin", "--max-sessions", "1", "--disabled"},
                   password_file);
  ASSERT_OK(shared);
  const std::string ts2 = created_id(shared.output);
  Run ts2_shown = ctl(*m, {"servers", "show", ts2});
  ASSERT_OK(ts2_shown);
  EXPECT_EQ(field(ts2_shown.output, "password"), "stored") << ts2_shown.output;
  EXPECT_EQ(field(ts2_shown.output, "username"), "svc-rdp") << ts2_shown.output;

  // 3. A join token bound to the server.
  Run token = ctl(*m, {"join-token", "create", "--server-id", server, "--ttl", "3600", "--description", "ts1"});
  ASSERT_OK(token);
  const std::string join_token = field(token.output, "token");
  ASSERT_FALSE(join_token.empty()) << token.output;

  // 4. The agent enrolls with it and backs the server from its first Welcome.
  Process agent = start_agent(*m, work_, "ts1", join_token);
  ASSERT_TRUE(agent.wait_for_log("event=agent.welcome", 20s)) << agent.log();
  EXPECT_EQ(agent.count_in_log("server_id=" + server + " manager_version"), 1) << agent.log();
  const std::string agent_id = agent_id_from_log(agent);
  ASSERT_TRUE(eventually([&] { return m->agent_status(agent_id) == "AGENT_STATUS_ONLINE"; }, 20s)) << agent.log();
  Run shown = ctl(*m, {"servers", "show", server});
  ASSERT_OK(shown);
  EXPECT_EQ(field(shown.output, "agent"), agent_id) << shown.output;
  EXPECT_EQ(field(shown.output, "state"), "enabled") << shown.output;
  EXPECT_EQ(field(shown.output, "password"), "none") << shown.output;
  Run servers = ctl(*m, {"servers", "list", "--pool", "lab"});
  ASSERT_OK(servers);
  EXPECT_HAS(servers, agent_id + "  " + server);
  Run agents = ctl(*m, {"agents", "list"});
  ASSERT_OK(agents);
  EXPECT_HAS(agents, "online");

  // An agent backs one server at most.
  Run taken = ctl(*m, {"servers", "assign-agent", ts2, agent_id});
  EXPECT_EQ(taken.code, 1) << taken.output;
  EXPECT_HAS(taken, "HTTP 409");
  EXPECT_HAS(taken, "agent " + agent_id + " already backs");

  Run unknown = ctl(*m, {"servers", "assign-agent", ts2, "no-such-agent"});
  EXPECT_EQ(unknown.code, 1) << unknown.output;
  EXPECT_HAS(unknown, "HTTP 400");
  EXPECT_HAS(unknown, "/agentId");
  // An agent enrolled without a bound token is attached later, and is told so at once.
  Run plain_token = ctl(*m, {"join-token", "create"});
  ASSERT_OK(plain_token);
  Process second = start_agent(*m, work_, "ts2", field(plain_token.output, "token"));
  ASSERT_TRUE(second.wait_for_log("event=agent.welcome", 20s)) << second.log();
  const std::string second_id = agent_id_from_log(second);
  Run assigned = ctl(*m, {"servers", "assign-agent", ts2, second_id});
  ASSERT_OK(assigned);
  EXPECT_HAS(assigned, "server ts2 (" + ts2 + ") is backed by agent " + second_id);
  EXPECT_TRUE(second.wait_for_log("action=set_max_sessions ok=true", 20s)) << second.log();

  // Drain and undrain reach the agent.
  Run drained = ctl(*m, {"servers", "drain", server});
  ASSERT_OK(drained);
  EXPECT_HAS(drained, "server ts1 (" + server + ") draining");
  EXPECT_HAS(ctl(*m, {"servers", "show", server}), "enabled, draining");
  ASSERT_TRUE(agent.wait_for_log("action=drain ok=true", 20s)) << agent.log();
  Run undrained = ctl(*m, {"servers", "undrain", server});
  ASSERT_OK(undrained);
  EXPECT_HAS(undrained, "server ts1 (" + server + ") takes sessions again");
  ASSERT_TRUE(eventually([&] { return agent.count_in_log("action=drain ok=true") == 2; }, 20s)) << agent.log();

  // 5. The workspace, its pool by name.
  Run workspace = ctl(*m, {"workspaces", "create", "desktop", "--pool", "lab"});
  ASSERT_OK(workspace);
  EXPECT_HAS(workspace, "workspace desktop created in pool lab");

  // 6. A session for alice, by the workspace's name.
  Run placed = ctl(*m, {"sessions", "create", "--workspace", "desktop", "--user", "alice"});
  ASSERT_OK(placed);
  const std::string session = field(placed.output, "session");
  ASSERT_FALSE(session.empty()) << placed.output;
  EXPECT_EQ(field(placed.output, "state"), "reserved") << placed.output;
  EXPECT_HAS(placed, "ts1 (" + server + ")");
  EXPECT_EQ(field(placed.output, "connect to"), "10.0.0.1:3389") << placed.output;
  EXPECT_EQ(field(placed.output, "username"), "alice") << placed.output;
  ASSERT_TRUE(agent.wait_for_log("event=agent.session_prepared", 20s)) << agent.log();
  ASSERT_TRUE(eventually(
      [&] {
        Run active = ctl(*m, {"sessions", "list", "--state", "active"});
        return active.code == 0 && active.output.find(session) != std::string::npos;
      },
      20s))
      << m->process().log();

  for (const auto& filter : std::vector<std::vector<std::string>>{
           {"--pool", "lab"}, {"--workspace", "desktop"}, {"--server", server}, {"--user", "alice"}}) {
    std::vector<std::string> args = {"sessions", "list"};
    args.insert(args.end(), filter.begin(), filter.end());
    Run listed = ctl(*m, args);
    ASSERT_OK(listed);
    EXPECT_HAS(listed, session);
  }
  EXPECT_HAS(ctl(*m, {"sessions", "list", "--user", "bob"}), "no sessions");
  Run session_shown = ctl(*m, {"sessions", "show", session});
  ASSERT_OK(session_shown);
  EXPECT_EQ(field(session_shown.output, "state"), "active") << session_shown.output;
  EXPECT_EQ(field(session_shown.output, "server id"), server) << session_shown.output;
  Run busy = ctl(*m, {"workspaces", "delete", "desktop"});
  EXPECT_EQ(busy.code, 1) << busy.output;
  EXPECT_HAS(busy, "HTTP 409");

  Run connected = ctl(*m, {"sessions", "connect", session});
  ASSERT_OK(connected);
  EXPECT_HAS(connected, "wrote ts1.rdp");
  auto rdp = read_file(work_ + "/ts1.rdp");
  ASSERT_TRUE(rdp.ok()) << connected.output;
  EXPECT_NE(rdp->find("full address:s:10.0.0.1:3389\r\n"), std::string::npos) << *rdp;
  EXPECT_NE(rdp->find("username:s:alice\r\n"), std::string::npos) << *rdp;
  EXPECT_NE(rdp->find("gatewayhostname:s:gw.example.com\r\n"), std::string::npos) << *rdp;
  Run again = ctl(*m, {"sessions", "connect", session});
  EXPECT_EQ(again.code, 1) << again.output;
  EXPECT_HAS(again, "--force");
  ASSERT_OK(ctl(*m, {"sessions", "connect", session, "--force"}));
  Run to_stdout = ctl(*m, {"sessions", "connect", session, "-o", "-"});
  ASSERT_OK(to_stdout);
  EXPECT_EQ(to_stdout.output, *rdp);

  // The only slot is taken: the pool's counts, and a non-zero exit.
  Run full = ctl(*m, {"sessions", "create", "--workspace", "desktop", "--user", "bob"});
  EXPECT_EQ(full.code, 1) << full.output;
  EXPECT_HAS(full, "(HTTP 503 pool_full)");
  EXPECT_HAS(full, "\n  pool " + pool_id + ": 1 ready, 0 provisioning, 0 draining");

  // 7. Ended, logged off on the agent; ending it again answers as it ended.
  Run ended = ctl(*m, {"sessions", "end", session});
  ASSERT_OK(ended);
  EXPECT_HAS(ended, "session " + session + " ended (admin)");
  EXPECT_TRUE(agent.wait_for_log("event=agent.session_ended session_id=" + session + " reason=logoff", 20s))
      << agent.log();
  Run twice = ctl(*m, {"sessions", "end", session});
  ASSERT_OK(twice);
  EXPECT_HAS(twice, "session " + session + " ended (admin)");
  EXPECT_HAS(ctl(*m, {"sessions", "list", "--state", "ended", "--json"}), session);
  Run refused = ctl(*m, {"sessions", "connect", session, "-o", "-"});
  EXPECT_EQ(refused.code, 1) << refused.output;
  EXPECT_HAS(refused, "HTTP 409");
  Run workspace_gone = ctl(*m, {"workspaces", "delete", "desktop"});
  ASSERT_OK(workspace_gone);

  EXPECT_EQ(outputs_.find(password), std::string::npos) << "a password in corralctl's output";
  EXPECT_EQ(m->process().log().find(password), std::string::npos) << "a password in the manager's log";
  EXPECT_EQ(agent.log().find(password), std::string::npos) << "a password in the agent's log";
  EXPECT_EQ(second.log().find(password), std::string::npos) << "a password in the agent's log";
}

}  // namespace
}  // namespace corral::testing
