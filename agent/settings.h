// What the agent runs with: the command line resolved against the environment, the token file
// and the YAML config file (flags win over the file, the file over defaults). main() calls
// resolve_settings() once at start; nothing here touches the network.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "agent/args.h"
#include "common/log.h"
#include "common/result.h"
#include "corral/config/v1/config.pb.h"

namespace corral::agent {

inline constexpr char kJoinTokenEnv[] = "CORRAL_JOIN_TOKEN";
inline constexpr uint32_t kDefaultMaxSessions = 1;
inline constexpr uint32_t kDefaultMaxReconnectDelaySeconds = 60;
inline constexpr uint32_t kLimitMaxReconnectDelaySeconds = 3600;

struct AgentSettings {
  std::string data_dir;
  // Used only for enrollment; empty when not given.
  std::string manager_url;
  std::string join_token;  // secret; empty when none was given
  std::string ca_cert_file;
  // Empty: the host's own name.
  std::string hostname;
  // The config file merged with flags; every field holds its effective value.
  corral::config::v1::AgentConfig config;
  log::Level log_level = log::Level::info;
};

// Returns the variable's value, or nullopt when unset. Tests pass a map instead of getenv.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
EnvLookup process_environment();

// The join token from --join-token, else --join-token-file (surrounding whitespace trimmed),
// else the environment; empty when none is given. A file that cannot be read or is empty is an
// error naming the file.
Result<std::string> resolve_join_token(const AgentArgs& args, const EnvLookup& env);

// Reads the config file (if any), applies flags and defaults, and checks every value. Errors are
// invalid_argument and name the config key or flag that is wrong.
Result<AgentSettings> resolve_settings(const AgentArgs& args, const EnvLookup& env);

// Fills defaults into CONFIG and checks it (also used for a config with no file).
Status apply_config_defaults(corral::config::v1::AgentConfig* config);

}  // namespace corral::agent
