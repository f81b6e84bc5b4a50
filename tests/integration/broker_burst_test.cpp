// The broker under load through the REST API with real corral-agent processes: a thousand
// session requests in flight at once against a pool with exactly five hundred free slots, and a
// kill -9 of the manager in the middle of a burst of placements. What must hold: every slot is
// taken once and only once, nobody gets a session that was not committed, and nothing committed
// is lost across the crash.
#include <sys/resource.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/integration/harness/burst.h"
#include "tests/integration/harness/fleet_test.h"

namespace corral::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Every request of a burst is a connection of its own, in this process and in the manager.
void allow_descriptors(rlim_t wanted) {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur >= wanted) return;
  limit.rlim_cur = std::min(wanted, limit.rlim_max);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &limit), 0);
  ASSERT_GE(limit.rlim_cur, wanted) << "the open-files hard limit is too low for this test";
}

class BrokerBurstTest : public FleetTest {
 protected:
  // The manager admits every request of a burst (its default limits would answer most of them
  // 503/429 before the broker saw them, which is not what is tested here).
  static constexpr char kManagerYaml[] =
      "api_max_requests_in_flight: 4000\n"
      "api_max_requests_per_client: 4000\n"
      "api_max_body_bytes_per_client: 16777216\n"
      // A thousand connections at once are served one after another; under a sanitizer the last
      // ones wait longer than the default 10 s for their turn.
      "api_request_header_timeout_seconds: 600\n"
      // Reservations wait for their agents however slow a sanitizer build makes them: what is
      // counted here must not change because one expired.
      "broker:\n  reservation_timeout_seconds: 3600\n";

  static json call_json(const ManagerUnderTest& m, const std::string& method, const std::string& path,
                        const std::string& body, int want) {
    auto r = m.call(method, path, body);
    EXPECT_TRUE(r.ok()) << path << ": " << r.status().message();
    if (!r.ok()) return json();
    EXPECT_EQ(r->status, want) << method << " " << path << ": " << r->body;
    return json::parse(r->body, nullptr, false);
  }

  // A server pool with SERVERS servers of MAX_SESSIONS each, every one backed by its own
  // corral-agent enrolled with a join token bound to it; returns the workspace's id.
  std::string make_pool(const ManagerUnderTest& m, int servers, int max_sessions) {
    std::string pool =
        call_json(m, "POST", "/api/v1/pools", R"({"name":"burst","type":"POOL_TYPE_SERVER"})", 201).value("id", "");
    for (int i = 0; i < servers; ++i) {
      json server = {{"poolId", pool},
                     {"hostname", "rdp-" + std::to_string(i)},
                     {"address", "10.0.0." + std::to_string(i + 1)},
                     {"maxSimultaneousSessionsPerServer", max_sessions}};
      std::string id = call_json(m, "POST", "/api/v1/servers", server.dump(), 201).value("id", "");
      std::string token =
          call_json(m, "POST", "/api/v1/join-tokens", json{{"serverId", id}}.dump(), 201).value("token", "");
      agents_.push_back(start_agent(m, work_, "agent-" + std::to_string(i), token));
      server_ids_.push_back(id);
    }
    for (size_t i = 0; i < agents_.size(); ++i) {
      EXPECT_TRUE(agents_[i].wait_for_log("server_id=" + server_ids_[i] + " manager_version", 60s)) << agents_[i].log();
    }
    return call_json(m, "POST", "/api/v1/workspaces", json{{"name", "desk"}, {"poolId", pool}}.dump(), 201)
        .value("id", "");
  }

  // Unfinished (reserved or active) sessions per server id, as the manager lists them. One listing
  // of every session in id order: two listings by state would count a session that becomes active
  // between them twice.
  static std::map<std::string, int> unfinished_by_server(const ManagerUnderTest& m) {
    std::map<std::string, int> out;
    std::string token;
    do {
      json page = call_json(m, "GET", "/api/v1/sessions?pageSize=1000&pageToken=" + token, "", 200);
      for (const json& s : page.value("sessions", json::array())) {
        const std::string state = s.value("state", "");
        if (state == "SESSION_STATE_RESERVED" || state == "SESSION_STATE_ACTIVE") ++out[s.value("serverId", "")];
      }
      token = page.value("nextPageToken", "");
    } while (!token.empty());
    return out;
  }

  static std::set<std::string> session_ids(const ManagerUnderTest& m, const std::string& state) {
    std::set<std::string> ids;
    std::string token;
    do {
      json page = call_json(m, "GET", "/api/v1/sessions?pageSize=1000&state=" + state + "&pageToken=" + token, "", 200);
      for (const json& s : page.value("sessions", json::array())) ids.insert(s.value("id", ""));
      token = page.value("nextPageToken", "");
    } while (!token.empty());
    return ids;
  }

  static std::vector<BurstRequest> session_requests(const std::string& workspace, int count, const std::string& tag) {
    std::vector<BurstRequest> out;
    for (int i = 0; i < count; ++i) {
      out.push_back(
          {"POST", "/api/v1/sessions", json{{"workspace", workspace}, {"user", tag + "-" + std::to_string(i)}}.dump()});
    }
    return out;
  }

  std::vector<Process> agents_;
  std::vector<std::string> server_ids_;
};

TEST_F(BrokerBurstTest, AThousandConcurrentRequestsTakeExactlyTheFiveHundredFreeSlots) {
  allow_descriptors(4096);
  auto m = start_manager("m", kManagerYaml);
  const std::string workspace = make_pool(*m, 5, 100);
  ASSERT_FALSE(workspace.empty());

  std::vector<BurstAnswer> answers = send_all_at_once(*m, session_requests(workspace, 1000, "user"));
  int placed = 0;
  int full = 0;
  std::set<std::string> answered_ids;
  std::map<std::string, int> failures;
  for (const BurstAnswer& a : answers) {
    if (!a.error.empty()) {
      ++failures[a.error.substr(0, 40)];
      continue;
    }
    json body = json::parse(a.body, nullptr, false);
    if (a.status == 201) {
      ++placed;
      answered_ids.insert(body["session"].value("id", ""));
    } else if (a.status == 503 && body.value("reason", "") == "pool_full") {
      ++full;
    } else {
      ADD_FAILURE() << "unexpected answer " << a.status << ": " << a.body;
    }
  }
  for (const auto& [what, n] : failures) ADD_FAILURE() << n << " requests got no answer: " << what;
  ASSERT_TRUE(failures.empty()) << m->process().log();
  EXPECT_EQ(placed, 500);
  EXPECT_EQ(full, 500);
  EXPECT_EQ(answered_ids.size(), 500u) << "every placement has its own session";

  // No server above its maximum, every slot taken once.
  std::map<std::string, int> load = unfinished_by_server(*m);
  ASSERT_EQ(load.size(), 5u);
  for (const auto& [server, sessions] : load) EXPECT_EQ(sessions, 100) << server;

  // Every agent accepts what it was given: all 500 become active, none is refused for being over
  // the agent's maximum.
  ASSERT_TRUE(eventually([&] { return session_ids(*m, "active").size() == 500; }, 120s)) << m->process().log();
  EXPECT_EQ(session_ids(*m, "active"), answered_ids);
  EXPECT_EQ(m->process().count_in_log("event=broker.prepare_refused"), 0) << m->process().log();
}

TEST_F(BrokerBurstTest, AKillDuringABurstLosesNoCommittedSessionAndBooksNoSlotTwice) {
  allow_descriptors(4096);
  auto m = start_manager("m", kManagerYaml);
  const std::string workspace = make_pool(*m, 4, 50);
  ASSERT_FALSE(workspace.empty());

  // 300 requests for 200 slots; the manager dies once it has reserved a fifth of them.
  std::vector<BurstAnswer> answers;
  std::thread burst([&] { answers = send_all_at_once(*m, session_requests(workspace, 300, "before")); });
  const bool reserving =
      eventually([&] { return m->process().count_in_log("event=broker.session_reserved") >= 40; }, 120s);
  m->process().kill_now();
  burst.join();
  ASSERT_TRUE(reserving) << m->process().log();

  // A 201 is an answer given after its commit: each of them must be there after the restart.
  std::set<std::string> answered;
  for (const BurstAnswer& a : answers) {
    if (a.status != 201) continue;
    answered.insert(json::parse(a.body, nullptr, false)["session"].value("id", ""));
  }
  // start() returns once /healthz answers, which is after the broker loaded the store.
  ASSERT_TRUE(m->start()) << m->process().log();
  std::set<std::string> kept = session_ids(*m, "reserved");
  for (const std::string& id : session_ids(*m, "active")) kept.insert(id);
  for (const std::string& id : answered) EXPECT_TRUE(kept.contains(id)) << "session " << id << " was lost";
  std::cout << "killed mid-burst: " << answered.size() << " placements answered, " << kept.size()
            << " committed and kept\n";

  // The agents reconnect; then fill what is left. Each slot is booked once: every server ends at
  // exactly its maximum, the second burst gets exactly the slots the first did not keep, and every
  // agent accepts every session it is given.
  for (size_t i = 0; i < agents_.size(); ++i) {
    ASSERT_TRUE(eventually(
        [&] { return agents_[i].count_in_log("server_id=" + server_ids_[i] + " manager_version") >= 2; }, 120s))
        << agents_[i].log();
  }
  std::vector<BurstAnswer> refill = send_all_at_once(*m, session_requests(workspace, 300, "after"));
  int placed_after = 0;
  for (const BurstAnswer& a : refill) {
    ASSERT_TRUE(a.error.empty()) << a.error;
    if (a.status == 201)
      ++placed_after;
    else
      EXPECT_EQ(a.status, 503) << a.body;
  }
  std::map<std::string, int> load = unfinished_by_server(*m);
  int total = 0;
  for (const auto& [server, sessions] : load) {
    EXPECT_EQ(sessions, 50) << server;
    total += sessions;
  }
  EXPECT_EQ(total, 200);
  EXPECT_EQ(static_cast<size_t>(placed_after), 200 - kept.size());
  ASSERT_TRUE(eventually([&] { return session_ids(*m, "active").size() == 200; }, 120s)) << m->process().log();
  EXPECT_EQ(m->process().count_in_log("event=broker.prepare_refused"), 0) << m->process().log();
}

}  // namespace
}  // namespace corral::testing
