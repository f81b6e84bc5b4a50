// corral-placement-bench: the cost of one placement decision in a pool of 10,000 servers, in
// memory, without the store or the API (those come with the broker's own benchmark). A "placement"
// here is what the broker's core does per session: place, reserve the chosen server (set_load),
// and, to hold the pool at a steady occupancy, release one session elsewhere. Each iteration is
// timed on its own for p50/p99; docs/PERFORMANCE.md has the figures and the command.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "manager/broker/placement.h"
#include "manager/broker/placement_index.h"

namespace corral::broker {
namespace {

constexpr int64_t kCore = 1000;
constexpr int64_t kGiB = int64_t{1} << 30;

// A pool of `n` servers with two OS labels and four zones, each server about half full.
struct SyntheticPool {
  PoolSpec pool;
  std::vector<ServerState> servers;
  std::vector<WorkspaceDemand> workspaces;
  Resources need;  // per session, docker pools
};

SyntheticPool make_pool(PoolType type, size_t n, uint64_t seed) {
  SyntheticPool p;
  p.pool = {.type = type, .labels = {"pool=bench"}};
  p.need = type == PoolType::docker_agent ? Resources{2 * kCore, 4 * kGiB, 0} : Resources{};
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < n; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "srv-%05zu", i);
    ServerState s;
    s.id = id;
    s.labels = {i % 2 ? "os=linux" : "os=win", "zone=" + std::string(1, static_cast<char>('a' + i % 4))};
    s.agent_connected = true;
    s.created_at = static_cast<int64_t>(i);
    s.max_sessions = 10;
    s.reported = {16 * kCore, 64 * kGiB, 0};
    s.sessions = static_cast<uint32_t>(rng() % 6);
    s.used = {p.need.cores_milli * s.sessions, p.need.memory_bytes * s.sessions, 0};
    p.servers.push_back(std::move(s));
  }
  p.workspaces = {{.include_labels = {"os=win"}, .need = p.need},
                  {.include_labels = {"os=linux", "zone=b"}, .need = p.need},
                  {.exclude_labels = {"zone=d"}, .need = p.need}};
  return p;
}

size_t index_of(const std::string& id) { return std::strtoul(id.c_str() + 4, nullptr, 10); }

// Per-iteration latencies, reported as counters next to Google Benchmark's mean.
class Latencies {
 public:
  void add(std::chrono::steady_clock::duration d) {
    ns_.push_back(std::chrono::duration<double, std::nano>(d).count());
  }
  void report(benchmark::State& state) {
    if (ns_.empty()) return;
    std::sort(ns_.begin(), ns_.end());
    auto at = [&](double q) { return ns_[static_cast<size_t>(q * static_cast<double>(ns_.size() - 1))]; };
    state.counters["p50_ns"] = at(0.50);
    state.counters["p99_ns"] = at(0.99);
    state.counters["max_ns"] = ns_.back();
  }

 private:
  std::vector<double> ns_;
};

// place + reserve + release, against the index.
void BM_IndexPlaceReserveRelease(benchmark::State& state, PoolType type) {
  SyntheticPool p = make_pool(type, static_cast<size_t>(state.range(0)), 1);
  PlacementIndex index(p.pool);
  for (const ServerState& s : p.servers) {
    if (!index.add(s).ok()) state.SkipWithError("add failed");
  }
  for (const WorkspaceDemand& w : p.workspaces) index.prepare(w);
  std::mt19937_64 rng(2);
  Latencies latencies;
  size_t turn = 0;
  auto set = [&](ServerState& s, uint32_t sessions) {
    s.sessions = sessions;
    s.used = {p.need.cores_milli * sessions, p.need.memory_bytes * sessions, 0};
    if (!index.set_load(s.id, s.sessions, s.used).ok()) state.SkipWithError("set_load failed");
  };
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const Decision d = index.place(p.workspaces[turn++ % p.workspaces.size()], "user");
    if (const auto* placed = std::get_if<Placed>(&d)) {
      ServerState& s = p.servers[index_of(placed->server_id)];
      set(s, s.sessions + 1);
    }
    ServerState* release = &p.servers[rng() % p.servers.size()];
    while (release->sessions == 0) release = &p.servers[rng() % p.servers.size()];
    set(*release, release->sessions - 1);
    latencies.add(std::chrono::steady_clock::now() - start);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
  latencies.report(state);
}

// The same decision by decide_placement()'s scan of every server: what the index saves.
void BM_ReferenceScan(benchmark::State& state, PoolType type) {
  SyntheticPool p = make_pool(type, static_cast<size_t>(state.range(0)), 1);
  Latencies latencies;
  size_t turn = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const Decision d = decide_placement(p.pool, p.servers, p.workspaces[turn++ % p.workspaces.size()], "user");
    latencies.add(std::chrono::steady_clock::now() - start);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
  latencies.report(state);
}

// A refusal from a full pool: the counts come from the view, not from a scan.
void BM_IndexRefusalWhenFull(benchmark::State& state) {
  SyntheticPool p = make_pool(PoolType::server, static_cast<size_t>(state.range(0)), 1);
  PlacementIndex index(p.pool);
  for (ServerState& s : p.servers) {
    s.sessions = s.max_sessions;
    if (!index.add(s).ok()) state.SkipWithError("add failed");
  }
  index.prepare(p.workspaces[0]);
  for (auto _ : state) benchmark::DoNotOptimize(index.place(p.workspaces[0], "user"));
  state.SetItemsProcessed(state.iterations());
}

// The first placement of a new workspace demand builds its view: one scan of the pool. The indexes
// are destroyed after the timed loop, so a fixed, small number of iterations.
void BM_IndexFirstPlacementOfADemand(benchmark::State& state) {
  SyntheticPool p = make_pool(PoolType::server, static_cast<size_t>(state.range(0)), 1);
  std::vector<PlacementIndex> indexes;
  for (auto _ : state) {
    state.PauseTiming();
    PlacementIndex& index = indexes.emplace_back(p.pool);
    for (const ServerState& s : p.servers) {
      if (!index.add(s).ok()) state.SkipWithError("add failed");
    }
    state.ResumeTiming();
    benchmark::DoNotOptimize(index.place(p.workspaces[0], "user"));
  }
}

BENCHMARK_CAPTURE(BM_IndexPlaceReserveRelease, server, PoolType::server)->Arg(10000);
BENCHMARK_CAPTURE(BM_IndexPlaceReserveRelease, docker, PoolType::docker_agent)->Arg(10000);
BENCHMARK_CAPTURE(BM_ReferenceScan, server, PoolType::server)->Arg(10000);
BENCHMARK_CAPTURE(BM_ReferenceScan, docker, PoolType::docker_agent)->Arg(10000);
BENCHMARK(BM_IndexRefusalWhenFull)->Arg(10000);
BENCHMARK(BM_IndexFirstPlacementOfADemand)->Arg(10000)->Iterations(20)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace corral::broker

BENCHMARK_MAIN();
