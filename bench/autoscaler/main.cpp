// corral-autoscaler-bench: how quickly the autoscaler turns a capacity change into a CreateVm, and
// what one reconcile pass over a large fleet costs, on the manager's real core path (bench_rig.h,
// phases.h). Prints one key=value line per figure and a summary judging the targets of
// docs/PERFORMANCE.md ("Autoscaler"): p99 place -> CreateVm <= 50 ms, a full pass <= 20 ms.
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "bench/autoscaler/bench_rig.h"
#include "bench/autoscaler/phases.h"
#include "common/log.h"

namespace corral::bench {
namespace {

constexpr double kCreateP99TargetMs = 50;
constexpr double kPassTargetMs = 20;

struct Options {
  AutoscaleWorldShape shape;
  size_t samples = 2000;
  size_t passes = 50;
  size_t short_configs = 100;
  std::string dir;  // empty: a fresh temporary directory, removed at the end
  bool keep = false;
  std::string log_level = "warn";
};

void usage() {
  std::fprintf(stderr,
               "usage: corral-autoscaler-bench [--configs C] [--servers-per-config S] [--max-sessions M]\n"
               "                               [--schedule-every N] [--samples K] [--passes P]\n"
               "                               [--short-configs Q] [--dir DIR] [--keep]\n"
               "                               [--log-level debug|info|warn|error]\n"
               "  Seeds C pools with one autoscale config and S servers each (M sessions per server), then\n"
               "  (a) places K sessions one at a time, each making its config scale out by one VM, timing\n"
               "  place() -> CreateVm; (b) times P full reconcile passes in steady state, and P more with Q\n"
               "  configs short of one VM each (--short-configs 0 skips those).\n");
}

bool parse(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--keep") {
      o->keep = true;
      continue;
    }
    const char* v = i + 1 < argc ? argv[++i] : nullptr;
    if (a == "--help" || a == "-h" || v == nullptr) return false;
    const size_t n = std::strtoul(v, nullptr, 10);
    if (a == "--configs") {
      o->shape.configs = n;
    } else if (a == "--servers-per-config") {
      o->shape.servers_per_config = n;
    } else if (a == "--max-sessions") {
      o->shape.max_sessions = static_cast<uint32_t>(n);
    } else if (a == "--schedule-every") {
      o->shape.schedule_every = n;
    } else if (a == "--samples") {
      o->samples = n;
    } else if (a == "--passes") {
      o->passes = n;
    } else if (a == "--short-configs") {
      o->short_configs = n;
    } else if (a == "--dir") {
      o->dir = v;
    } else if (a == "--log-level") {
      o->log_level = v;
    } else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return false;
    }
  }
  if (o->shape.configs == 0 || o->shape.servers_per_config < 10 || o->shape.max_sessions < 2) {
    std::fprintf(stderr, "--configs must be at least 1, --servers-per-config at least 10, --max-sessions at least 2\n");
    return false;
  }
  if (o->short_configs > o->shape.configs) {
    std::fprintf(stderr, "--short-configs cannot exceed --configs\n");
    return false;
  }
  return true;
}

double ms(double us) { return us / 1000; }

void print_latency(const char* figure, const LatencySummary& l) {
  std::printf("phase=scale_out figure=%s samples=%zu ", figure, l.count());
  l.print(stdout);
  std::printf("\n");
}

void print_pass(const char* figure, const Options& o, size_t short_configs, const PassCost& p) {
  const double per_config = p.pass.at(0.5) / static_cast<double>(o.shape.configs);
  std::printf("phase=pass figure=%s configs=%zu servers=%zu short_configs=%zu passes=%zu creates=%zu ", figure,
              o.shape.configs, o.shape.configs * o.shape.servers_per_config, short_configs, p.pass.count(), p.creates);
  p.pass.print(stdout);
  std::printf(" per_config_us=%.2f\n", per_config);
}

int run(const Options& o) {
  log::set_component("autoscaler-bench");
  log::Level level = log::Level::warn;
  if (!log::parse_level(o.log_level, &level)) {
    std::fprintf(stderr, "unknown log level %s\n", o.log_level.c_str());
    return 2;
  }
  log::set_level(level);

  std::filesystem::path dir = o.dir;
  if (dir.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "corral-autoscaler-bench.XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    dir = tmpl;
  }
  int code = 0;
  {
    auto rig = BenchRig::open(dir, o.shape);
    if (!rig.ok()) {
      std::fprintf(stderr, "set-up: %s\n", rig.status().to_string().c_str());
      code = 1;
    } else {
      code = [&] {
        const RigTimings& t = (*rig)->timings();
        std::printf(
            "phase=world configs=%zu servers=%zu sessions=%zu seed_seconds=%.2f load_seconds=%.2f "
            "start_seconds=%.3f\n",
            o.shape.configs, (*rig)->world().servers, (*rig)->world().sessions, t.seed_seconds, t.load_seconds,
            t.start_seconds);
        std::fflush(stdout);

        auto latency = measure_scale_out(**rig, o.samples, 0);
        if (!latency.ok()) {
          std::fprintf(stderr, "scale-out latency: %s\n", latency.status().to_string().c_str());
          return 1;
        }
        print_latency("place_to_create_vm", latency->to_create);
        print_latency("place_to_gateway", latency->to_gateway);
        print_latency("place_to_reply", latency->to_placed);
        std::fflush(stdout);

        auto steady = measure_passes(**rig, o.passes, 0);
        if (!steady.ok()) {
          std::fprintf(stderr, "steady passes: %s\n", steady.status().to_string().c_str());
          return 1;
        }
        print_pass("steady", o, 0, *steady);
        std::fflush(stdout);
        if (o.short_configs > 0) {
          auto busy = measure_passes(**rig, o.passes, o.short_configs);
          if (!busy.ok()) {
            std::fprintf(stderr, "scale-out passes: %s\n", busy.status().to_string().c_str());
            return 1;
          }
          print_pass("scale_out", o, o.short_configs, *busy);
        }

        const double create_p99 = ms(latency->to_create.at(0.99));
        const double pass_p99 = ms(steady->pass.at(0.99));
        const bool create_met = create_p99 <= kCreateP99TargetMs;
        const bool pass_met = pass_p99 <= kPassTargetMs;
        std::printf(
            "summary create_vm_p99_ms=%.2f target_ms=%.0f %s steady_pass_p99_ms=%.2f target_ms=%.0f %s "
            "configs=%zu servers=%zu dir=%s\n",
            create_p99, kCreateP99TargetMs, create_met ? "met" : "MISSED", pass_p99, kPassTargetMs,
            pass_met ? "met" : "MISSED", o.shape.configs, o.shape.configs * o.shape.servers_per_config,
            o.keep ? dir.c_str() : "(removed)");
        return 0;
      }();
    }
  }
  if (!o.keep && o.dir.empty()) std::filesystem::remove_all(dir);
  return code;
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
