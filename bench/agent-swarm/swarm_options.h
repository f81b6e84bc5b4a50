// Command-line options of corral-agent-swarm and their defaults. Every phase is bounded by one of
// the deadlines here, so a run always ends by itself.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace corral::bench {

struct SwarmOptions {
  int agents = 1000;
  std::string manager_binary;
  std::string manager_data_dir;
  std::string state_dir;
  int api_port = 18443;
  int agent_port = 18444;
  int heartbeat_interval_seconds = 10;
  std::string manager_log_level = "info";

  int enroll_threads = 4;
  int connect_concurrency = 500;
  // 0 (the default): reconnecting agents are not limited, as real agents are not. Non-zero is a
  // what-if: the storm as it would go if the manager admitted only this many handshakes at once.
  int storm_concurrency = 0;
  // How many loopback source addresses (127.0.0.2, 127.0.0.3, ...) the connections spread over, so
  // no single source address runs out of ephemeral ports.
  int source_addresses = 16;
  int settle_seconds = -1;  // -1: one heartbeat interval
  int steady_seconds = 60;
  int storm_deadline_seconds = 120;
  int connect_deadline_seconds = 600;
  // Each step of a connection attempt (TCP, TLS, upgrade) gives up after stage_timeout, the wait
  // for the Welcome after welcome_timeout: the real agent's lws and agent_runtime.h defaults.
  int stage_timeout_seconds = 20;
  int welcome_timeout_seconds = 30;
  // The real agent's defaults (agent/settings.h, agent/lws_channel.cpp).
  int backoff_base_ms = 1000;
  int backoff_cap_seconds = 60;
  int ping_after_idle_seconds = 30;
  int hangup_after_idle_seconds = 75;
  bool storm = true;
  // Go on when the file-descriptor limit cannot be raised to what N agents need, to see how far
  // the run gets; agents beyond the limit then fail to connect.
  bool allow_fd_shortfall = false;
  // Non-zero: the manager runs with this RLIMIT_NOFILE instead of the swarm's.
  int manager_nofile = 0;
  std::string json_path;  // empty: no JSON file
};

inline constexpr char kSwarmUsage[] =
    "usage: corral-agent-swarm --agents N --manager-binary PATH --manager-data-dir DIR --state-dir DIR\n"
    "         [--api-port P] [--agent-port P] [--heartbeat-interval S] [--manager-log-level L]\n"
    "         [--enroll-threads T] [--connect-concurrency C] [--source-addresses K]\n"
    "         [--settle-seconds S] [--steady-seconds S] [--storm-deadline S] [--storm-concurrency C] [--no-storm]\n"
    "         [--connect-deadline S] [--stage-timeout S] [--welcome-timeout S] [--backoff-base-ms MS] [--backoff-cap "
    "S]\n"
    "         [--ping-after-idle S] [--hangup-after-idle S] [--allow-fd-shortfall] [--manager-nofile N]\n"
    "         [--json FILE]\n";

// invalid_argument naming the option that is wrong or missing.
Result<SwarmOptions> parse_swarm_options(int argc, char** argv);

}  // namespace corral::bench
