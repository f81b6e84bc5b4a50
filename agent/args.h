// corral-agent's command line, parsed into AgentArgs without reading the environment or any file
// (settings.h resolves those). main() calls parse_args(); every error is a usage error (exit 2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace corral::agent {

struct AgentArgs {
  bool help = false;
  bool version = false;
  std::string data_dir;
  std::optional<std::string> manager_url;
  std::optional<std::string> join_token;  // secret
  std::optional<std::string> join_token_file;
  std::optional<std::string> ca_cert_file;
  std::optional<std::string> config_file;
  std::optional<std::string> hostname;
  std::optional<std::string> log_level;
  std::optional<uint32_t> max_sessions;
  // In command-line order; a later --label with the same key wins.
  std::vector<std::pair<std::string, std::string>> labels;
};

// ARGS excludes the program name. Flags take their value as the next argument or after '='
// ("--data-dir=/x"). Errors are invalid_argument and name the flag, never echoing a token.
Result<AgentArgs> parse_args(const std::vector<std::string>& args);

// "KEY=VALUE", split at the first '='; the key must not be empty, the value may be.
Result<std::pair<std::string, std::string>> parse_label(std::string_view text);

const char* usage_text();

}  // namespace corral::agent
