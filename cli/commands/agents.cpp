// corralctl agents show | revoke, and the group that `agents list` and `agents command` join.
#include "cli/commands/commands.h"
#include "cli/format.h"
#include "cli/pretty_json.h"
#include "cli/terminal_text.h"

namespace corral::cli {
namespace {

Status show(Session& s, const std::string& id) {
  auto reply = s.api->get_agent(id);
  if (!reply.ok()) return reply.status();
  const Output& o = s.output;
  o.out << (o.json ? pretty_json(reply->json) : format_agent_details(reply->message, o.now));
  return {};
}

Status revoke(Session& s, const std::string& id) {
  auto reply = s.api->revoke_agent(id);
  if (!reply.ok()) return reply.status();
  const Output& o = s.output;
  if (o.json) {
    o.out << pretty_json(reply->json);
    return {};
  }
  const auto& agent = reply->message;
  o.out << "agent " << visible(agent.id().empty() ? id : agent.id());
  if (!agent.hostname().empty()) o.out << " (" << visible(agent.hostname()) << ")";
  o.out << " revoked\n";
  return {};
}

}  // namespace

void add_agent_commands(CommandTree& tree) {
  CLI::App* agents = tree.add_group(tree.root(), "agents", "list, inspect, revoke and command the enrolled agents");
  add_agents_list(tree, *agents);

  auto id = std::make_shared<std::string>();
  tree.add_command(*agents, "show", "one agent in detail: labels, addresses, capacity, sessions",
                   {Connects::always, [id](Session& s) { return show(s, *id); }})
      ->add_option("ID", *id, "the agent's id")
      ->required();

  auto revoked = std::make_shared<std::string>();
  tree.add_command(*agents, "revoke",
                   "revoke an agent's certificate: its connection is closed and it is refused from then on",
                   {Connects::always, [revoked](Session& s) { return revoke(s, *revoked); }})
      ->add_option("ID", *revoked, "the agent's id")
      ->required();

  add_agent_actions(tree, *agents);
}

}  // namespace corral::cli
