// Every corralctl resource adds its commands to the tree through one function here, defined in
// that resource's file in this folder. A new resource is one new file and one line in all.cpp.
#pragma once

#include <memory>

#include "cli/command_tree.h"

namespace corral::cli {

// The whole of corralctl.
std::unique_ptr<CommandTree> corralctl_commands();

void add_agent_commands(CommandTree& tree);
void add_agents_list(CommandTree& tree, CLI::App& agents);
void add_agent_actions(CommandTree& tree, CLI::App& agents);
void add_join_token_commands(CommandTree& tree);
void add_admin_token_commands(CommandTree& tree);
void add_plugin_commands(CommandTree& tree);
void add_provider_config_commands(CommandTree& tree);
void add_ldap_config_commands(CommandTree& tree);
void add_pool_commands(CommandTree& tree);
void add_autoscale_config_commands(CommandTree& tree);
void add_server_commands(CommandTree& tree);
void add_server_actions(CommandTree& tree, CLI::App& servers);
void add_workspace_commands(CommandTree& tree);
void add_session_commands(CommandTree& tree);
void add_session_connect(CommandTree& tree, CLI::App& sessions);
void add_event_commands(CommandTree& tree);
void add_login_commands(CommandTree& tree);

// One server's events, oldest first, as `events --server ID` prints them (servers show): false
// when it has none.
Result<bool> print_server_timeline(Session& s, const std::string& server_id);
void add_version_command(CommandTree& tree);
void add_completion_command(CommandTree& tree);
void add_help_command(CommandTree& tree);

}  // namespace corral::cli
