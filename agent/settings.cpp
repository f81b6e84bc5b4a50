#include "agent/settings.h"

#include <cstdlib>

#include "common/config/yaml_loader.h"
#include "common/files.h"
#include "common/text.h"

namespace corral::agent {

EnvLookup process_environment() {
  return [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

Result<std::string> resolve_join_token(const AgentArgs& args, const EnvLookup& env) {
  if (args.join_token) return std::string(trim_whitespace(*args.join_token));
  if (args.join_token_file) {
    auto text = read_file(*args.join_token_file);
    if (!text.ok()) return error(ErrorCode::invalid_argument, "--join-token-file: " + text.status().message());
    std::string token(trim_whitespace(*text));
    if (token.empty())
      return error(ErrorCode::invalid_argument, "--join-token-file " + *args.join_token_file + " is empty");
    return token;
  }
  if (auto value = env(kJoinTokenEnv)) return std::string(trim_whitespace(*value));
  return std::string();
}

Status apply_config_defaults(corral::config::v1::AgentConfig* config) {
  if (config->max_sessions() == 0) config->set_max_sessions(kDefaultMaxSessions);
  if (config->max_reconnect_delay_seconds() == 0) {
    config->set_max_reconnect_delay_seconds(kDefaultMaxReconnectDelaySeconds);
  }
  if (config->max_reconnect_delay_seconds() > kLimitMaxReconnectDelaySeconds) {
    return error(ErrorCode::invalid_argument, "max_reconnect_delay_seconds must be at most " +
                                                  std::to_string(kLimitMaxReconnectDelaySeconds) + ", got " +
                                                  std::to_string(config->max_reconnect_delay_seconds()));
  }
  if (config->log_level().empty()) config->set_log_level("info");
  log::Level level;
  if (!log::parse_level(config->log_level(), &level)) {
    return error(ErrorCode::invalid_argument,
                 "log_level must be debug, info, warn or error, got '" + config->log_level() + "'");
  }
  for (const auto& [key, value] : config->labels()) {
    if (key.empty()) return error(ErrorCode::invalid_argument, "labels: a label key must not be empty");
  }
  return {};
}

Result<AgentSettings> resolve_settings(const AgentArgs& args, const EnvLookup& env) {
  AgentSettings out;
  out.data_dir = args.data_dir;
  out.manager_url = args.manager_url.value_or("");
  out.ca_cert_file = args.ca_cert_file.value_or("");
  out.hostname = args.hostname.value_or("");
  auto token = resolve_join_token(args, env);
  if (!token.ok()) return token.status();
  out.join_token = std::move(token).value();

  if (args.config_file) {
    if (Status s = config::load_yaml_file(*args.config_file, &out.config); !s.ok()) return s;
  }
  // A flag set to the proto default (--max-sessions 0) still overrides: it was asked for.
  if (args.max_sessions) out.config.set_max_sessions(*args.max_sessions);
  if (args.log_level) out.config.set_log_level(*args.log_level);
  for (const auto& [key, value] : args.labels) (*out.config.mutable_labels())[key] = value;

  bool explicit_zero_sessions = args.max_sessions && *args.max_sessions == 0;
  if (Status s = apply_config_defaults(&out.config); !s.ok()) {
    if (args.log_level && s.message().starts_with("log_level")) {
      return error(ErrorCode::invalid_argument,
                   "--log-level must be debug, info, warn or error, got '" + *args.log_level + "'");
    }
    if (args.config_file) return error(s.code(), *args.config_file + ": " + s.message());
    return s;
  }
  if (explicit_zero_sessions) out.config.set_max_sessions(0);
  log::parse_level(out.config.log_level(), &out.log_level);
  return out;
}

}  // namespace corral::agent
