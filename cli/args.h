// corralctl's command line, parsed into an Invocation without touching the network, the
// environment or any file. run() calls parse_args(); every error here is a usage error (exit 2).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "corral/agent/v1/agent.pb.h"
#include "corral/api/v1/api.pb.h"

namespace corral::cli {

// Global flags as typed; unset ones fall back to the environment, then the config file.
struct GlobalFlags {
  std::optional<std::string> server;
  std::optional<std::string> token;
  std::optional<std::string> token_file;
  std::optional<std::string> ca_cert;
  std::optional<std::string> config;
  bool json = false;
};

enum class CommandKind {
  help,
  version,
  agents_list,
  agents_show,
  agents_revoke,
  agents_command,
  join_token_create,
  plugins_list,
  provider_configs_list,
  provider_configs_show,
  provider_configs_create,
  provider_configs_update,
  provider_configs_delete,
};

struct Invocation {
  GlobalFlags flags;
  CommandKind command = CommandKind::help;
  // agents show / revoke / command.
  std::string agent_id;
  // agents command: the action, ready to send (command_id is left to the manager).
  agent::v1::Command agent_command;
  // join-token create.
  api::v1::CreateJoinTokenRequest join_token;
  // provider-configs show / update / delete: an id (or, for show, a name).
  std::string target;
  // provider-configs create / update: the JSON file holding the ProviderConfig ("-": stdin).
  std::string body_file;
};

// ARGS excludes the program name. Global flags are accepted before or after the command;
// "--" ends flag parsing. Errors are ErrorCode::invalid_argument naming the flag or argument.
Result<Invocation> parse_args(const std::vector<std::string>& args);

// "KEY=VALUE" (split at the first '='; the key must not be empty, the value may be).
Result<std::pair<std::string, std::string>> parse_label(std::string_view text);

}  // namespace corral::cli
