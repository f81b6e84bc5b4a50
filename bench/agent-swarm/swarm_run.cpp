#include "bench/agent-swarm/swarm_run.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "bench/agent-swarm/enroller.h"
#include "bench/agent-swarm/fd_limit.h"
#include "common/files.h"
#include "common/tls/certificate.h"

namespace corral::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kStopTimeout = std::chrono::seconds(60);
// Descriptors the swarm keeps for itself (procfs, the cache, curl) beyond its agents' sockets.
constexpr uint64_t kReservedDescriptors = 256;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

double self_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// CPU used by the manager, the swarm and everything else on the machine over one phase: this is
// a shared two-core machine, and what other processes take shows in every time measured.
class CpuWindow {
 public:
  explicit CpuWindow(pid_t manager) : manager_(manager) { restart(); }
  void restart() {
    start_ = Clock::now();
    machine_ = machine_busy_cpu_seconds();
    self_ = self_cpu_seconds();
    auto m = sample_process(manager_);
    manager_cpu_ = m.ok() ? m->cpu_seconds : 0;
  }
  // swarm_cpu_pct, manager_cpu_pct and other_cpu_pct, each in % of one core over the window.
  void report(ReportFields& f) const {
    double wall = seconds_since(start_);
    double self = self_cpu_seconds() - self_;
    auto m = sample_process(manager_);
    double manager = m.ok() ? m->cpu_seconds - manager_cpu_ : 0;
    double other = std::max(0.0, machine_busy_cpu_seconds() - machine_ - self - manager);
    f.emplace_back("swarm_cpu_pct", fixed(100 * self / wall));
    f.emplace_back("manager_cpu_pct", m.ok() ? fixed(100 * manager / wall) : "gone");
    f.emplace_back("other_cpu_pct", fixed(100 * other / wall));
  }

 private:
  pid_t manager_;
  Clock::time_point start_;
  double machine_ = 0;
  double self_ = 0;
  double manager_cpu_ = 0;
};

// When the last agent of the current epoch was welcomed; a partial run's real connect time.
double last_welcome_seconds(const Swarm& swarm) {
  const auto& ms = swarm.epoch_welcome_ms();
  return ms.empty() ? 0 : static_cast<double>(*std::max_element(ms.begin(), ms.end())) / 1000.0;
}

// Failure counters of a phase, for its report line.
void add_counters(ReportFields& f, const SwarmCounters& c) {
  f.emplace_back("attempts", std::to_string(c.attempts));
  f.emplace_back("connect_failures", std::to_string(c.connect_failures));
  f.emplace_back("no_source_port", std::to_string(c.no_source_port));
  f.emplace_back("no_descriptor", std::to_string(c.no_descriptor));
  f.emplace_back("tls_failures", std::to_string(c.tls_failures));
  f.emplace_back("upgrade_failures", std::to_string(c.upgrade_failures));
  f.emplace_back("attempt_timeouts", std::to_string(c.attempt_timeouts));
  f.emplace_back("disconnects", std::to_string(c.disconnects));
  f.emplace_back("protocol_errors", std::to_string(c.protocol_errors));
  std::string codes;
  for (const auto& [code, n] : c.close_codes)
    codes += (codes.empty() ? "" : ",") + std::to_string(code) + ":" + std::to_string(n);
  f.emplace_back("close_codes", codes.empty() ? "none" : codes);
}

}  // namespace

SwarmRun::SwarmRun(SwarmOptions options) : options_(std::move(options)) {}

SwarmRun::~SwarmRun() {
  swarm_.reset();
  if (manager_) manager_->stop(std::chrono::seconds(60));
}

Status SwarmRun::run() {
  Status s = prepare();
  if (s.ok()) s = start_manager();
  if (s.ok()) s = enroll();
  if (s.ok()) s = connect();
  if (s.ok()) s = steady();
  if (s.ok() && options_.storm) s = storm();
  finish();
  return s;
}

Status SwarmRun::prepare() {
  // The swarm holds one descriptor per agent, and so does the manager, which inherits this limit.
  uint64_t wanted = static_cast<uint64_t>(options_.agents) + 4096;
  auto limit = raise_fd_limit(wanted);
  if (!limit.ok()) return limit.status();
  swarm_max_sockets_ = limit->soft > kReservedDescriptors ? limit->soft - kReservedDescriptors : 1;
  report_.phase("limits", {{"nofile_wanted", std::to_string(wanted)},
                           {"nofile_soft", std::to_string(limit->soft)},
                           {"nofile_hard", std::to_string(limit->hard)},
                           {"raised_hard", limit->raised_hard ? "true" : "false"},
                           {"swarm_max_sockets", std::to_string(swarm_max_sockets_)},
                           {"manager_nofile", options_.manager_nofile ? std::to_string(options_.manager_nofile)
                                                                      : std::to_string(limit->soft)},
                           {"note", limit->note.empty() ? "none" : limit->note}});
  if (limit->short_of_wanted() && !options_.allow_fd_shortfall) {
    return error(ErrorCode::resource_exhausted, std::to_string(options_.agents) + " agents need " +
                                                    std::to_string(wanted) + " file descriptors but the limit is " +
                                                    std::to_string(limit->soft) + " (" +
                                                    (limit->note.empty() ? "hard limit" : limit->note) +
                                                    "); pass --allow-fd-shortfall to see how far it gets anyway");
  }
  if (Status s = ensure_directory(options_.state_dir, 0700); !s.ok()) return s;
  // Every simulated agent connects from 127.0.0.1: the per-address share of pending handshakes
  // (meant for one host among many) would throttle the whole swarm, so it gets the global limit.
  std::string config = "heartbeat_interval_seconds: " + std::to_string(options_.heartbeat_interval_seconds) +
                       "\nlog_level: " + options_.manager_log_level + "\nmax_pending_handshakes_per_address: 256\n";
  std::string config_path = options_.state_dir + "/manager.yaml";
  if (Status s = write_file_atomic(config_path, config, 0600); !s.ok()) return s;
  manager_ = std::make_unique<ManagerProcess>(ManagerLaunch{
      options_.manager_binary, options_.manager_data_dir, config_path, options_.state_dir + "/manager.log",
      options_.api_port, options_.agent_port, static_cast<uint64_t>(options_.manager_nofile)});
  return {};
}

Status SwarmRun::start_manager() {
  if (Status s = manager_->start(); !s.ok()) return s;
  return manager_->wait_healthy(std::chrono::seconds(120));
}

Status SwarmRun::enroll() {
  auto ca = read_file(options_.manager_data_dir + "/ca.crt");
  if (!ca.ok()) return ca.status();
  ca_pem_ = *ca;
  auto admin = read_file(options_.manager_data_dir + "/admin.token");
  if (!admin.ok()) return admin.status();
  auto ca_sha = tls::certificate_sha256_hex(ca_pem_);
  if (!ca_sha.ok()) return ca_sha.status();

  IdentityCache cache(options_.state_dir);
  auto cached = cache.load(*ca_sha);
  if (!cached.ok()) return cached.status();
  identities_ = std::move(cached).value();
  size_t wanted = static_cast<size_t>(options_.agents);
  if (identities_.size() > wanted)
    identities_.erase(identities_.begin() + static_cast<std::ptrdiff_t>(wanted), identities_.end());
  size_t from_cache = identities_.size();

  auto start = Clock::now();
  if (from_cache < wanted) {
    if (Status s = cache.open_for_append(*ca_sha); !s.ok()) return s;
    EnrollTarget target{manager_->api_url(), ca_pem_, trimmed(*admin)};
    Status s = enroll_identities(target, wanted, options_.enroll_threads, &identities_, &cache);
    if (Status c = cache.close(); s.ok()) s = c;
    if (!s.ok()) return s;
  }
  double seconds = seconds_since(start);
  size_t enrolled = identities_.size() - from_cache;
  report_.phase("enroll", {{"agents", std::to_string(identities_.size())},
                           {"cached", std::to_string(from_cache)},
                           {"enrolled", std::to_string(enrolled)},
                           {"seconds", fixed(seconds)},
                           {"per_second", fixed(enrolled ? static_cast<double>(enrolled) / seconds : 0)}});
  summary_.emplace_back("enroll_s", enrolled ? fixed(seconds) : "cached");

  // The baseline is a freshly started manager with all N agents registered and none connected,
  // the same whether this run enrolled them or found them cached.
  if (enrolled > 0) {
    manager_->stop(std::chrono::seconds(60));
    if (Status s = start_manager(); !s.ok()) return s;
  }
  std::this_thread::sleep_for(std::chrono::seconds(3));
  auto baseline = sample_process(manager_->pid());
  if (!baseline.ok()) return baseline.status();
  rss_baseline_kib_ = baseline->rss_kib;
  report_.phase("baseline", {{"manager_rss_kib", std::to_string(baseline->rss_kib)},
                             {"registered_agents", std::to_string(identities_.size())}});
  return {};
}

void SwarmRun::sample_manager() {
  if (Clock::now() - last_sample_ < std::chrono::seconds(1)) return;
  last_sample_ = Clock::now();
  auto s = sample_process(manager_->pid());
  if (s.ok()) peak_rss_kib_ = std::max(peak_rss_kib_, s->rss_kib);
}

bool SwarmRun::run_swarm(const std::function<bool()>& done, Clock::time_point deadline) {
  return swarm_->run_until(
      [&] {
        if (!expect_manager_exit_ && manager_->exited()) {
          manager_died_ = true;
          return true;
        }
        sample_manager();
        return done();
      },
      deadline);
}

Status SwarmRun::connect() {
  SwarmConfig config;
  config.agent_port = options_.agent_port;
  config.ca_pem = ca_pem_;
  config.source_addresses = options_.source_addresses;
  config.max_sockets = static_cast<size_t>(swarm_max_sockets_);
  config.heartbeat_interval = std::chrono::seconds(options_.heartbeat_interval_seconds);
  config.stage_timeout = std::chrono::seconds(options_.stage_timeout_seconds);
  config.welcome_timeout = std::chrono::seconds(options_.welcome_timeout_seconds);
  config.backoff_base = std::chrono::milliseconds(options_.backoff_base_ms);
  config.backoff_cap = std::chrono::seconds(options_.backoff_cap_seconds);
  config.ping_after_idle = std::chrono::seconds(options_.ping_after_idle_seconds);
  config.hangup_after_idle = std::chrono::seconds(options_.hangup_after_idle_seconds);
  auto swarm = Swarm::create(config, &identities_);
  if (!swarm.ok()) return swarm.status();
  swarm_ = std::move(swarm).value();

  size_t n = identities_.size();
  swarm_->set_connect_concurrency(static_cast<size_t>(options_.connect_concurrency));
  swarm_->begin_epoch();
  CpuWindow cpu(manager_->pid());
  auto start = Clock::now();
  swarm_->connect_all();
  bool all = run_swarm([&] { return swarm_->welcomed_in_epoch() == n; },
                       start + std::chrono::seconds(options_.connect_deadline_seconds));
  double seconds = seconds_since(start);
  auto after = sample_process(manager_->pid());

  ReportFields f = {{"agents", std::to_string(n)},
                    {"welcomed", std::to_string(swarm_->welcomed_in_epoch())},
                    {"seconds", fixed(seconds, 2)},
                    {"last_welcome_s", fixed(last_welcome_seconds(*swarm_), 2)},
                    {"concurrency", std::to_string(options_.connect_concurrency)},
                    {"manager_rss_kib", after.ok() ? std::to_string(after->rss_kib) : "gone"}};
  cpu.report(f);
  for (auto& p : percentiles("attempt", swarm_->epoch_attempt_ms())) f.push_back(std::move(p));
  add_counters(f, swarm_->counters());
  report_.phase("connect", std::move(f));
  summary_.emplace_back("connect_s", all ? fixed(seconds, 2) : "incomplete");
  if (manager_died_) return error(ErrorCode::unavailable, "the manager exited during the connect phase");
  active_ = swarm_->connected();
  if (!all) {
    // Measure the agents that made it rather than nothing; the rest stop retrying.
    swarm_->park_unwelcomed();
    std::fprintf(stderr,
                 "agent-swarm: only %zu of %zu agents were welcomed within the connect deadline; "
                 "going on with those\n",
                 active_, n);
  }
  summary_.emplace_back("connected", std::to_string(active_));
  if (active_ == 0) return error(ErrorCode::unavailable, "no agent was welcomed within the connect deadline");
  return {};
}

Status SwarmRun::steady() {
  size_t n = active_;
  // Let the Welcome burst (first capacity reports written to the store) pass before measuring.
  run_swarm([] { return false; }, Clock::now() + std::chrono::seconds(options_.settle_seconds));
  if (manager_died_) return error(ErrorCode::unavailable, "the manager exited while settling");

  auto before = sample_process(manager_->pid());
  if (!before.ok()) return before.status();
  SwarmCounters counters_before = swarm_->counters();
  CpuWindow cpu_window(manager_->pid());
  peak_rss_kib_ = before->rss_kib;
  auto start = Clock::now();
  run_swarm([] { return false; }, start + std::chrono::seconds(options_.steady_seconds));
  double window = seconds_since(start);
  auto after = sample_process(manager_->pid());
  if (manager_died_ || !after.ok()) return error(ErrorCode::unavailable, "the manager exited during the steady phase");
  SwarmCounters c = swarm_->counters().since(counters_before);

  double per_agent =
      (static_cast<double>(after->rss_kib) - static_cast<double>(rss_baseline_kib_)) / static_cast<double>(n);
  double cpu = cpu_percent_of_one_core(*before, *after, window);
  ReportFields f = {{"agents", std::to_string(n)},
                    {"connected_at_end", std::to_string(swarm_->connected())},
                    {"seconds", fixed(window)},
                    {"heartbeat_interval_s", std::to_string(options_.heartbeat_interval_seconds)},
                    {"heartbeats_per_s", fixed(static_cast<double>(c.heartbeats_sent) / window)},
                    {"frames_per_s", fixed(static_cast<double>(c.frames_sent) / window)},
                    {"pings", std::to_string(c.pings_sent)},
                    {"pongs", std::to_string(c.pongs_received)},
                    {"manager_rss_baseline_kib", std::to_string(rss_baseline_kib_)},
                    {"manager_rss_after_kib", std::to_string(after->rss_kib)},
                    {"manager_rss_peak_kib", std::to_string(peak_rss_kib_)},
                    {"manager_rss_per_agent_kib", fixed(per_agent)},
                    {"manager_cpu_pct_one_core", fixed(cpu, 2)}};
  cpu_window.report(f);
  add_counters(f, c);
  report_.phase("steady", std::move(f));
  summary_.emplace_back("rss_baseline_kib", std::to_string(rss_baseline_kib_));
  summary_.emplace_back("rss_after_kib", std::to_string(after->rss_kib));
  summary_.emplace_back("rss_per_agent_kib", fixed(per_agent));
  summary_.emplace_back("cpu_pct_one_core", fixed(cpu, 2));
  summary_.emplace_back("target_rss_per_agent_le_64kib", per_agent <= 64.0 ? "met" : "missed");
  summary_.emplace_back("target_cpu_le_10pct", cpu <= 10.0 ? "met" : "missed");
  return {};
}

Status SwarmRun::storm() {
  size_t n = active_;
  // Real agents reconnect independently; only their backoff spreads them, so no limit by default.
  swarm_->set_connect_concurrency(static_cast<size_t>(options_.storm_concurrency));
  swarm_->begin_epoch();
  SwarmCounters counters_before = swarm_->counters();
  double machine_start = machine_busy_cpu_seconds();
  double self_start = self_cpu_seconds();
  auto start = Clock::now();

  // A restart as an operator does it: SIGTERM, wait for the exit (SIGKILL after kStopTimeout, as
  // a service manager would), start again.
  expect_manager_exit_ = true;
  manager_->terminate();
  bool stopped = run_swarm([&] { return manager_->exited(); }, start + kStopTimeout);
  if (!stopped) manager_->stop(std::chrono::seconds(1));  // SIGKILL
  double stop_seconds = seconds_since(start);
  expect_manager_exit_ = false;
  if (Status s = manager_->start(); !s.ok()) return s;
  auto restarted = Clock::now();

  // The deadline counts from the new start, so a slow shutdown does not eat into it.
  bool all = run_swarm([&] { return swarm_->welcomed_in_epoch() == n; },
                       restarted + std::chrono::seconds(options_.storm_deadline_seconds));
  double seconds = seconds_since(start);
  double since_restart = seconds_since(restarted);
  double self = self_cpu_seconds() - self_start;
  // The old manager's CPU is gone with its process: report the rest of the machine as one figure.
  double not_swarm = std::max(0.0, machine_busy_cpu_seconds() - machine_start - self);
  auto after = sample_process(manager_->pid());
  size_t gave_up = n - swarm_->welcomed_in_epoch();

  ReportFields f = {
      {"agents", std::to_string(n)},
      {"welcomed", std::to_string(swarm_->welcomed_in_epoch())},
      {"gave_up", std::to_string(gave_up)},
      {"seconds", all ? fixed(seconds, 2) : "incomplete"},
      {"seconds_after_start", all ? fixed(since_restart, 2) : "incomplete"},
      {"deadline_s", std::to_string(options_.storm_deadline_seconds)},
      {"manager_stop_s", stopped ? fixed(stop_seconds, 2) : "killed"},
      {"backoff_cap_s", std::to_string(options_.backoff_cap_seconds)},
      {"concurrency", options_.storm_concurrency ? std::to_string(options_.storm_concurrency) : "unlimited"},
      {"manager_rss_kib", after.ok() ? std::to_string(after->rss_kib) : "gone"},
      {"swarm_cpu_pct", fixed(100 * self / seconds)},
      {"managers_and_other_cpu_pct", fixed(100 * not_swarm / seconds)}};
  for (auto& p : percentiles("welcome", swarm_->epoch_welcome_ms())) f.push_back(std::move(p));
  add_counters(f, swarm_->counters().since(counters_before));
  report_.phase("storm", std::move(f));
  summary_.emplace_back("storm_s", all ? fixed(seconds, 2) : "incomplete");
  summary_.emplace_back("storm_gave_up", std::to_string(gave_up));
  summary_.emplace_back("manager_stop_s", stopped ? fixed(stop_seconds, 2) : "killed");
  summary_.emplace_back("target_storm_le_30s", all && seconds <= 30.0 && gave_up == 0 ? "met" : "missed");
  if (manager_died_) return error(ErrorCode::unavailable, "the restarted manager exited during the storm");
  return {};
}

void SwarmRun::finish() {
  if (swarm_) {
    swarm_->shutdown();
    swarm_.reset();
  }
  if (manager_) {
    auto status = manager_->stop(std::chrono::seconds(60));
    report_.phase("stop", {{"manager_exit", status ? std::to_string(*status) : "killed"}});
  }
  ReportFields summary = {{"agents", std::to_string(identities_.size())}};
  for (auto& f : summary_) summary.push_back(f);
  report_.summary(std::move(summary));
  if (!options_.json_path.empty()) {
    if (Status s = report_.write_json(options_.json_path); !s.ok()) {
      std::fprintf(stderr, "agent-swarm: %s\n", s.message().c_str());
    }
  }
}

}  // namespace corral::bench
