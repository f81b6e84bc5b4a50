// corral-broker-bench: durable placements per second and their latency at the broker's core, in a
// pool of 10,000 servers, with the real SQLite store. It writes the world to a fresh database,
// loads a Broker on it as the manager does (inline store executor on an io_context core), tells it
// every agent is welcomed, then places sessions: first a closed loop (the most per second), then
// an open loop at a fixed rate (the latency at that rate). Each reply comes after its commit; the
// sessions in the database are counted at the end. docs/PERFORMANCE.md has figures and command.
#include <sqlite3.h>
#include <stdlib.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/broker/broker_world.h"
#include "bench/broker/placement_load.h"
#include "common/log.h"
#include "manager/broker/broker.h"
#include "manager/store/sqlite_statement.h"
#include "manager/store/sqlite_store.h"
#include "manager/store/store_executor.h"

namespace corral::bench {
namespace {

struct Options {
  size_t servers = 10000;
  uint32_t max_sessions = 25;
  size_t placements = 100000;  // per phase
  size_t in_flight = 64;
  double rate = 20000;
  std::string synchronous = "normal";
  std::string executor = "grouped";
  std::vector<std::string> pragmas;  // what-ifs, run on the store's connection after it opened  // the store executor's
                                     // mode: grouped (the manager's) or inline
  std::string dir;                   // empty: a fresh temporary directory, removed at the end
  bool keep = false;
  std::string log_level = "warn";
};

void usage() {
  std::fprintf(stderr,
               "usage: corral-broker-bench [--servers N] [--max-sessions M] [--placements P] [--in-flight K]\n"
               "                           [--rate R] [--synchronous normal|full] [--executor grouped|inline]\n"
               "                           [--dir DIR] [--keep] [--log-level debug|info|warn|error]\n"
               "                           [--pragma 'NAME=VALUE']...\n"
               "  Places P sessions with K in flight (closed loop), then P more arriving at R per second\n"
               "  (open loop; --rate 0 skips it), in one pool of N servers with M sessions each.\n"
               "  --in-flight 0 skips the closed loop, so the open loop starts on an empty WAL.\n");
}

bool parse(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--keep") {
      o->keep = true;
      continue;
    }
    if (a == "--help" || a == "-h" || (v = value()) == nullptr) return false;
    if (a == "--servers")
      o->servers = std::strtoul(v, nullptr, 10);
    else if (a == "--max-sessions")
      o->max_sessions = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    else if (a == "--placements")
      o->placements = std::strtoul(v, nullptr, 10);
    else if (a == "--in-flight")
      o->in_flight = std::strtoul(v, nullptr, 10);
    else if (a == "--rate")
      o->rate = std::strtod(v, nullptr);
    else if (a == "--synchronous")
      o->synchronous = v;
    else if (a == "--executor")
      o->executor = v;
    else if (a == "--pragma")
      o->pragmas.push_back(std::string("PRAGMA ") + v);
    else if (a == "--dir")
      o->dir = v;
    else if (a == "--log-level")
      o->log_level = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return false;
    }
  }
  if (o->servers == 0 || o->placements == 0) {
    std::fprintf(stderr, "--servers and --placements must be at least 1\n");
    return false;
  }
  if (o->in_flight == 0 && o->rate <= 0) {
    std::fprintf(stderr, "--in-flight 0 and --rate 0 leave nothing to run\n");
    return false;
  }
  if (o->synchronous != "normal" && o->synchronous != "full") {
    std::fprintf(stderr, "--synchronous must be normal or full\n");
    return false;
  }
  if (o->executor != "grouped" && o->executor != "inline") {
    std::fprintf(stderr, "--executor must be grouped or inline\n");
    return false;
  }
  return true;
}

// Sends nothing: the bench has no agents on the wire, only their Welcome events.
class RecordingAgentCommands final : public manager::AgentCommands {
 public:
  Result<std::string> send_command(const std::string&, corral::agent::v1::Command) override {
    return "bench-command-" + std::to_string(++sent_);
  }
  uint64_t sent() const { return sent_; }

 private:
  uint64_t sent_ = 0;
};

uintmax_t file_size_or_zero(const std::filesystem::path& p) {
  std::error_code ec;
  const uintmax_t n = std::filesystem::file_size(p, ec);
  return ec ? 0 : n;
}

void print_phase(const char* name, const Options& o, const LoadOutcome& r) {
  const double per_second = r.seconds > 0 ? static_cast<double>(r.latency.count()) / r.seconds : 0;
  std::printf("phase=%s ", name);
  if (std::strcmp(name, "closed") == 0) {
    std::printf("in_flight=%zu ", o.in_flight);
  } else {
    std::printf("offered_per_second=%.0f ", o.rate);
  }
  std::printf("placements=%zu placed=%zu refused=%zu failed=%zu seconds=%.3f per_second=%.0f ", r.latency.count(),
              r.placed, r.refused, r.failed, r.seconds, per_second);
  r.latency.print(stdout);
  std::printf("\n");
  std::fflush(stdout);
}

int run(const Options& o) {
  log::set_component("broker-bench");
  log::Level level = log::Level::warn;
  if (!log::parse_level(o.log_level, &level)) {
    std::fprintf(stderr, "unknown log level %s\n", o.log_level.c_str());
    return 2;
  }
  log::set_level(level);

  std::filesystem::path dir = o.dir;
  if (dir.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "corral-broker-bench.XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    dir = tmpl;
  }
  const std::filesystem::path db = dir / "corral.db";
  if (std::filesystem::exists(db)) {
    std::fprintf(stderr, "%s exists: the bench needs a fresh database\n", db.c_str());
    return 2;
  }

  auto opened = store::SqliteStore::open(db.string());
  if (!opened.ok()) {
    std::fprintf(stderr, "open store: %s\n", opened.status().to_string().c_str());
    return 1;
  }
  store::SqliteStore& store = **opened;
  // What-ifs only: the manager runs the settings of sqlite_store.cpp; see docs/PERFORMANCE.md.
  std::vector<std::string> pragmas = o.pragmas;
  if (o.synchronous == "full") pragmas.insert(pragmas.begin(), "PRAGMA synchronous=FULL");
  for (const std::string& pragma : pragmas) {
    if (Status s = store::exec_sql(store.connection().handle(), pragma.c_str(), pragma); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.to_string().c_str());
      return 1;
    }
  }

  // Commits made while placing: placements / commits is the mean group size.
  uint64_t commits = 0;
  const auto seed_start = std::chrono::steady_clock::now();
  const int64_t now = unix_seconds(std::chrono::system_clock::now());
  auto world = seed_broker_world(store, o.servers, o.max_sessions, now);
  if (!world.ok()) {
    std::fprintf(stderr, "seed: %s\n", world.status().to_string().c_str());
    return 1;
  }
  const double seed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - seed_start).count();

  boost::asio::io_context io;
  SystemClock clock;
  manager::FleetEvents events;
  RecordingAgentCommands agents;
  broker::ServerSettingsTable settings_table;
  int exit_code = 0;
  {
    store::StoreExecutor executor(store, io.get_executor(),
                                  o.executor == "grouped" ? store::StoreExecutor::Mode::grouped_on_core
                                                          : store::StoreExecutor::Mode::inline_on_caller);
    broker::Broker broker(executor, clock, broker::BrokerSettings{}, agents, events, settings_table);
    const auto load_start = std::chrono::steady_clock::now();
    if (Status s = broker.load(store); !s.ok()) {
      std::fprintf(stderr, "broker load: %s\n", s.to_string().c_str());
      return 1;
    }
    // What the agent registry publishes when each agent's Hello is answered: the servers are ready.
    for (size_t i = 0; i < world->agent_ids.size(); ++i) {
      manager::AgentWelcomedEvent welcomed{world->agent_ids[i], "", {}};
      events.publish([&](manager::FleetObserver& observer) { observer.on_agent_welcomed(welcomed); });
    }
    const double load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
    std::printf(
        "phase=seed servers=%zu max_sessions=%u synchronous=%s executor=%s seed_seconds=%.2f "
        "load_seconds=%.2f\n",
        o.servers, o.max_sessions, o.synchronous.c_str(), o.executor.c_str(), seed_seconds, load_seconds);
    std::fflush(stdout);
    sqlite3_commit_hook(
        store.connection().handle(),
        [](void* count) {
          ++*static_cast<uint64_t*>(count);
          return 0;
        },
        &commits);

    size_t placed = 0;
    if (o.in_flight > 0) {
      LoadOutcome closed = run_placements(io, broker, world->workspace_id, "closed-", o.placements, o.in_flight, 0);
      print_phase("closed", o, closed);
      placed += closed.placed;
    }
    if (o.rate > 0) {
      LoadOutcome open = run_placements(io, broker, world->workspace_id, "open-", o.placements, 0, o.rate);
      print_phase("open", o, open);
      placed += open.placed;
    }
    executor.shutdown();

    // Every session answered as placed must be in the database.
    auto stmt = store::Statement::prepare(store.connection().handle(), "SELECT COUNT(*) FROM sessions", "count");
    auto row = stmt.ok() ? stmt->step() : Result<bool>(stmt.status());
    const int64_t stored = row.ok() && *row ? stmt->column_int64(0) : -1;
    sqlite3_commit_hook(store.connection().handle(), nullptr, nullptr);
    std::printf(
        "phase=end placed=%zu commits=%llu stored_sessions=%lld unfinished_in_broker=%zu commands_sent=%llu "
        "db_bytes=%ju wal_bytes=%ju dir=%s\n",
        placed, static_cast<unsigned long long>(commits), static_cast<long long>(stored), broker.unfinished_sessions(),
        static_cast<unsigned long long>(agents.sent()), file_size_or_zero(db), file_size_or_zero(db.string() + "-wal"),
        o.keep ? dir.c_str() : "(removed)");
    if (stored != static_cast<int64_t>(placed)) {
      std::fprintf(stderr, "stored sessions (%lld) differ from placements answered as placed (%zu)\n",
                   static_cast<long long>(stored), placed);
      exit_code = 1;
    }
  }
  opened->reset();
  if (!o.keep && o.dir.empty()) std::filesystem::remove_all(dir);
  return exit_code;
}

}  // namespace
}  // namespace corral::bench

int main(int argc, char** argv) {
  corral::bench::Options options;
  if (!corral::bench::parse(argc, argv, &options)) {
    corral::bench::usage();
    return 2;
  }
  return corral::bench::run(options);
}
