#include "bench/agent-swarm/swarm_options.h"

#include <charconv>
#include <string_view>

namespace corral::bench {
namespace {

Status parse_int(std::string_view flag, std::string_view text, int min, int max, int* out) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return error(ErrorCode::invalid_argument, std::string(flag) + " must be an integer from " + std::to_string(min) +
                                                  " to " + std::to_string(max) + ", got '" + std::string(text) + "'");
  }
  *out = value;
  return {};
}

}  // namespace

Result<SwarmOptions> parse_swarm_options(int argc, char** argv) {
  SwarmOptions o;
  struct IntFlag {
    const char* name;
    int* target;
    int min;
    int max;
  };
  const IntFlag int_flags[] = {
      {"--agents", &o.agents, 1, 1000000},
      {"--api-port", &o.api_port, 1, 65535},
      {"--agent-port", &o.agent_port, 1, 65535},
      {"--heartbeat-interval", &o.heartbeat_interval_seconds, 1, 3600},
      {"--enroll-threads", &o.enroll_threads, 1, 64},
      {"--connect-concurrency", &o.connect_concurrency, 1, 100000},
      {"--storm-concurrency", &o.storm_concurrency, 0, 100000},
      {"--source-addresses", &o.source_addresses, 1, 250},
      {"--settle-seconds", &o.settle_seconds, 0, 3600},
      {"--steady-seconds", &o.steady_seconds, 1, 86400},
      {"--storm-deadline", &o.storm_deadline_seconds, 1, 3600},
      {"--connect-deadline", &o.connect_deadline_seconds, 1, 86400},
      {"--stage-timeout", &o.stage_timeout_seconds, 1, 600},
      {"--welcome-timeout", &o.welcome_timeout_seconds, 1, 600},
      {"--backoff-base-ms", &o.backoff_base_ms, 1, 600000},
      {"--backoff-cap", &o.backoff_cap_seconds, 1, 3600},
      {"--ping-after-idle", &o.ping_after_idle_seconds, 0, 3600},
      {"--hangup-after-idle", &o.hangup_after_idle_seconds, 1, 3600},
      {"--manager-nofile", &o.manager_nofile, 64, 1 << 30},
  };
  struct StringFlag {
    const char* name;
    std::string* target;
  };
  const StringFlag string_flags[] = {
      {"--manager-binary", &o.manager_binary},
      {"--manager-data-dir", &o.manager_data_dir},
      {"--state-dir", &o.state_dir},
      {"--manager-log-level", &o.manager_log_level},
      {"--json", &o.json_path},
  };

  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--no-storm") {
      o.storm = false;
      continue;
    }
    if (arg == "--allow-fd-shortfall") {
      o.allow_fd_shortfall = true;
      continue;
    }
    bool known = false;
    for (const IntFlag& f : int_flags) {
      if (arg != f.name) continue;
      if (i + 1 >= argc) return error(ErrorCode::invalid_argument, std::string(f.name) + " needs a value");
      if (Status s = parse_int(f.name, argv[++i], f.min, f.max, f.target); !s.ok()) return s;
      known = true;
    }
    for (const StringFlag& f : string_flags) {
      if (arg != f.name) continue;
      if (i + 1 >= argc) return error(ErrorCode::invalid_argument, std::string(f.name) + " needs a value");
      *f.target = argv[++i];
      known = true;
    }
    if (!known) return error(ErrorCode::invalid_argument, "unknown argument '" + std::string(arg) + "'");
  }
  if (o.manager_binary.empty()) return error(ErrorCode::invalid_argument, "--manager-binary is required");
  if (o.manager_data_dir.empty()) return error(ErrorCode::invalid_argument, "--manager-data-dir is required");
  if (o.state_dir.empty()) return error(ErrorCode::invalid_argument, "--state-dir is required");
  if (o.api_port == o.agent_port) return error(ErrorCode::invalid_argument, "--api-port and --agent-port must differ");
  if (o.settle_seconds < 0) o.settle_seconds = o.heartbeat_interval_seconds;
  if (o.ping_after_idle_seconds > 0 && o.hangup_after_idle_seconds <= o.ping_after_idle_seconds) {
    return error(ErrorCode::invalid_argument, "--hangup-after-idle must be longer than --ping-after-idle");
  }
  return o;
}

}  // namespace corral::bench
