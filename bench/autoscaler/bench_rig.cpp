#include "bench/autoscaler/bench_rig.h"

#include <boost/asio/post.hpp>

#include <utility>

#include "manager/store/sqlite_statement.h"

namespace corral::bench {

// Sends nothing: the bench's agents are not on the wire, only their Welcome events.
class BenchRig::NoAgents final : public manager::AgentCommands {
 public:
  Result<std::string> send_command(const std::string&, corral::agent::v1::Command) override {
    return "bench-command-" + std::to_string(++sent_);
  }

 private:
  uint64_t sent_ = 0;
};

// The bench's configs make no AD records: a call here would be a bug, and says so.
class BenchRig::NoDirectory final : public autoscaler::RecordGateway {
 public:
  void ensure_record(const autoscaler::RecordPlace&, const std::string&, Done done) override { refuse(done); }
  void remove_record(const autoscaler::RecordPlace&, const std::string&, Done done) override { refuse(done); }
  void list_records(const autoscaler::RecordPlace&, Done done) override { refuse(done); }

 private:
  static void refuse(const Done& done) { done(error(ErrorCode::internal, "the bench has no directory")); }
};

namespace {

double seconds_since(Steady::time_point start) { return std::chrono::duration<double>(Steady::now() - start).count(); }

}  // namespace

Result<std::unique_ptr<BenchRig>> BenchRig::open(const std::filesystem::path& dir, const AutoscaleWorldShape& shape) {
  std::unique_ptr<BenchRig> rig(new BenchRig());
  if (Status s = rig->start(dir, shape); !s.ok()) return s;
  return rig;
}

Status BenchRig::start(const std::filesystem::path& dir, const AutoscaleWorldShape& shape) {
  const std::filesystem::path db = dir / "corral.db";
  if (std::filesystem::exists(db)) {
    return error(ErrorCode::already_exists, db.string() + " exists: the bench needs a fresh database");
  }
  auto opened = store::SqliteStore::open(db.string());
  if (!opened.ok()) return opened.status();
  store_ = std::move(opened).value();

  Steady::time_point t = Steady::now();
  auto world = seed_autoscale_world(*store_, shape, unix_seconds(clock_.now()));
  if (!world.ok()) return world.status();
  world_ = std::move(world).value();
  timings_.seed_seconds = seconds_since(t);

  t = Steady::now();
  executor_ =
      std::make_unique<store::StoreExecutor>(*store_, io_.get_executor(), store::StoreExecutor::Mode::grouped_on_core);
  events_ = std::make_unique<manager::FleetEvents>();
  agents_ = std::make_unique<NoAgents>();
  settings_table_ = std::make_unique<broker::ServerSettingsTable>();
  broker_ = std::make_unique<broker::Broker>(*executor_, clock_, broker::BrokerSettings{}, *agents_, *events_,
                                             *settings_table_);
  if (Status s = broker_->load(*store_); !s.ok()) return s;

  auto key = SecretBox::from_key(std::string(32, 'k'));
  if (!key.ok()) return key.status();
  secrets_ = std::make_unique<SecretBox>(std::move(key).value());
  // The manager's pools: eight provider threads, each plugin at most 16 calls at once.
  manager::workers::ExecutorSettings pools;
  pools.pools = {{manager::workers::kProviderPool, 8}};
  pools.limits[manager::workers::plugin_limit_key(kBenchPlugin)] = 16;
  auto workers = manager::workers::Executor::start(
      std::move(pools), [this](std::function<void()> done) { boost::asio::post(io_, std::move(done)); });
  if (!workers.ok()) return workers.status();
  workers_ = std::move(workers).value();
  plugin_ = std::make_shared<RecordingPlugin>();
  plugins_ = std::make_unique<OnePluginSet>(plugin_);
  gateway_ = std::make_unique<autoscaler::ProviderGateway>(*executor_, *secrets_, *plugins_, *workers_,
                                                           std::chrono::seconds(300));
  timed_ = std::make_unique<TimedGateway>(*gateway_);
  directory_ = std::make_unique<NoDirectory>();

  autoscaler::AutoscalerSettings settings;  // the manager's defaults: a tick every 10 s
  settings.manager_id = "bench-manager";
  settings.manager_url = "https://manager.bench.test:8443";
  settings.ca_sha256 = std::string(64, 'a');
  autoscaler_ = std::make_unique<autoscaler::Autoscaler>(io_, *executor_, *broker_, *timed_, *directory_, *secrets_,
                                                         clock_, std::move(settings));
  if (Status s = autoscaler_->load(*store_); !s.ok()) return s;
  // What the agent registry publishes when each agent's Hello is answered: those servers are ready.
  for (const std::string& agent_id : world_.agent_ids) {
    manager::AgentWelcomedEvent welcomed{agent_id, "", {}};
    events_->publish([&](manager::FleetObserver& observer) { observer.on_agent_welcomed(welcomed); });
  }
  drain();
  timings_.load_seconds = seconds_since(t);

  t = Steady::now();
  autoscaler_->start();
  if (!run_until([this] { return autoscaler_->recovered(); })) {
    return error(ErrorCode::internal, "the autoscaler did not start");
  }
  drain();
  timings_.start_seconds = seconds_since(t);
  return {};
}

BenchRig::~BenchRig() {
  if (autoscaler_) autoscaler_->stop();
  if (workers_) workers_->shutdown();
  if (executor_) executor_->shutdown();
  autoscaler_.reset();
  timed_.reset();
  gateway_.reset();
  broker_.reset();
}

bool BenchRig::run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const Steady::time_point deadline = Steady::now() + limit;
  while (!done()) {
    if (Steady::now() >= deadline) return false;
    // Wakes at least every 10 ms to look at the deadline (the tick keeps the core from running dry).
    io_.run_one_for(std::chrono::milliseconds(10));
  }
  return true;
}

void BenchRig::drain() {
  while (io_.poll() > 0) {
  }
}

Status BenchRig::end_session(const std::string& session_id) {
  bool answered = false;
  Status outcome;
  broker_->end(session_id, store::SessionEndReason::user, [&](const Result<store::SessionEnding>& ended) {
    answered = true;
    outcome = ended.status();
  });
  if (!run_until([&] { return answered; })) return error(ErrorCode::internal, "no answer to ending " + session_id);
  return outcome;
}

Status BenchRig::delete_server(const std::string& server_id) {
  bool answered = false;
  Status outcome;
  broker_->delete_server(server_id, [&](autoscaler::ServerWritten done) {
    answered = true;
    if (!done.ok()) {
      outcome = done.status();
    } else if (done->refusal != broker::CatalogRefusal::none) {
      outcome = error(ErrorCode::failed_precondition, "server " + server_id + " not deleted: " + done->message);
    }
  });
  if (!run_until([&] { return answered; })) return error(ErrorCode::internal, "no answer to deleting " + server_id);
  return outcome;
}

Result<int64_t> BenchRig::count_rows(const std::string& table) {
  const std::string sql = "SELECT COUNT(*) FROM " + table;
  auto stmt = store::Statement::prepare(store_->connection().handle(), sql.c_str(), "count");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->step();
  if (!row.ok()) return row.status();
  if (!*row) return error(ErrorCode::internal, "no row from " + sql);
  return stmt->column_int64(0);
}

}  // namespace corral::bench
