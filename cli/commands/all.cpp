#include "cli/commands/commands.h"

namespace corral::cli {

std::unique_ptr<CommandTree> corralctl_commands() {
  auto tree = std::make_unique<CommandTree>();
  // In the order `corralctl --help` lists them.
  add_agent_commands(*tree);
  add_join_token_commands(*tree);
  add_admin_token_commands(*tree);
  add_plugin_commands(*tree);
  add_provider_config_commands(*tree);
  add_ldap_config_commands(*tree);
  add_pool_commands(*tree);
  add_autoscale_config_commands(*tree);
  add_server_commands(*tree);
  add_workspace_commands(*tree);
  add_session_commands(*tree);
  add_event_commands(*tree);
  add_login_commands(*tree);
  add_version_command(*tree);
  add_completion_command(*tree);
  add_help_command(*tree);
  return tree;
}

}  // namespace corral::cli
