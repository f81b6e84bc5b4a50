// What corral-autoscaler-bench runs the autoscaler in, put together as the manager does it: a
// real SQLite store in a fresh directory behind the grouped StoreExecutor on an io_context core,
// the Broker loaded from it with every agent welcomed, the provider worker pool, the real
// ProviderGateway over the recording plugin, and the Autoscaler, started. The bench drives the
// core from its own thread: everything it calls between run_until() calls runs on the core.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "bench/autoscaler/autoscale_world.h"
#include "bench/autoscaler/recording_provider.h"
#include "common/clock.h"
#include "common/secret_box.h"
#include "manager/autoscaler/autoscaler.h"
#include "manager/autoscaler/provider_gateway.h"
#include "manager/broker/broker.h"
#include "manager/store/sqlite_store.h"
#include "manager/store/store_executor.h"
#include "manager/workers/executor.h"

namespace corral::bench {

struct RigTimings {
  double seed_seconds = 0;
  double load_seconds = 0;   // broker and autoscaler load, agents welcomed
  double start_seconds = 0;  // autoscaler start: the first pass over every config
};

class BenchRig {
 public:
  // Writes the world to DIR/corral.db (which must not exist), loads and starts everything.
  static Result<std::unique_ptr<BenchRig>> open(const std::filesystem::path& dir, const AutoscaleWorldShape& shape);
  ~BenchRig();
  BenchRig(const BenchRig&) = delete;
  BenchRig& operator=(const BenchRig&) = delete;

  // Runs the core until `done()` holds (checked after every handler); false after `limit`.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(30));
  // Runs what is ready on the core now, and what that makes ready, until nothing is.
  void drain();

  // Ends a session the bench placed (as its user would) and waits for the broker's reply.
  Status end_session(const std::string& session_id);
  // Deletes a server the autoscaler created, through the broker, and waits for it: the bench's
  // way back to the steady world after a scale-out (the autoscaler hears the removal).
  Status delete_server(const std::string& server_id);

  const AutoscaleWorld& world() const { return world_; }
  const RigTimings& timings() const { return timings_; }
  broker::Broker& broker() { return *broker_; }
  autoscaler::Autoscaler& autoscaler() { return *autoscaler_; }
  const CallLog& plugin_creates() const { return plugin_->creates(); }
  const CallLog& gateway_creates() const { return timed_->creates(); }
  // Rows in a table of the store (the bench checks what the passes wrote).
  Result<int64_t> count_rows(const std::string& table);

 private:
  BenchRig() = default;
  Status start(const std::filesystem::path& dir, const AutoscaleWorldShape& shape);

  class NoAgents;
  class NoDirectory;
  boost::asio::io_context io_;
  // The core never runs dry (drain() would stop it for good), as the manager's does not.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> busy_ = boost::asio::make_work_guard(io_);
  SystemClock clock_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<store::StoreExecutor> executor_;
  std::unique_ptr<manager::FleetEvents> events_;
  std::unique_ptr<NoAgents> agents_;
  std::unique_ptr<broker::ServerSettingsTable> settings_table_;
  std::unique_ptr<broker::Broker> broker_;
  std::unique_ptr<SecretBox> secrets_;
  std::unique_ptr<manager::workers::Executor> workers_;
  std::shared_ptr<RecordingPlugin> plugin_;
  std::unique_ptr<OnePluginSet> plugins_;
  std::unique_ptr<autoscaler::ProviderGateway> gateway_;
  std::unique_ptr<TimedGateway> timed_;
  std::unique_ptr<NoDirectory> directory_;
  std::unique_ptr<autoscaler::Autoscaler> autoscaler_;
  AutoscaleWorld world_;
  RigTimings timings_;
};

}  // namespace corral::bench
