// corralctl agents command ID ACTION: drain, undrain, shutdown, set-max-sessions N, logoff
// SESSION_ID. Each action is its own command under `agents command`, so help and completion
// list them.
#include <limits>

#include "cli/commands/commands.h"
#include "cli/flag_checks.h"
#include "cli/pretty_json.h"
#include "cli/terminal_text.h"

namespace corral::cli {
namespace {

Status send(Session& s, const std::string& id, const agent::v1::Command& command) {
  api::v1::SendCommandRequest request;
  *request.mutable_command() = command;
  auto reply = s.api->send_command(id, request);
  if (!reply.ok()) return reply.status();
  const Output& o = s.output;
  if (o.json) {
    o.out << pretty_json(reply->json);
  } else {
    // 202: the manager queued it; the agent's result arrives later, asynchronously.
    o.out << "command " << visible(reply->message.command_id()) << " sent to agent " << visible(id) << "\n";
  }
  return {};
}

}  // namespace

void add_agent_actions(CommandTree& tree, CLI::App& agents) {
  auto id = std::make_shared<std::string>();
  CLI::App* group = tree.add_group(agents, "command", "send an agent a command; the agent carries it out later");
  group->add_option("ID", *id, "the agent's id")->required();

  // A command whose action needs nothing from the command line beyond the agent.
  auto simple = [&](const char* name, const char* description, const agent::v1::Command& command) {
    tree.add_command(*group, name, description,
                     {Connects::always, [id, command](Session& s) { return send(s, *id, command); }});
  };
  agent::v1::Command drain;
  drain.mutable_drain()->set_enabled(true);
  simple("drain", "take no new sessions; the ones running go on", drain);
  agent::v1::Command undrain;
  undrain.mutable_drain()->set_enabled(false);
  simple("undrain", "take new sessions again", undrain);
  agent::v1::Command shutdown;
  shutdown.mutable_shutdown()->set_reason("requested with corralctl");
  simple("shutdown", "stop the agent process", shutdown);

  auto max = std::make_shared<uint32_t>(0);
  tree.add_command(*group, "set-max-sessions", "change how many sessions the agent accepts",
                   {Connects::always,
                    [id, max](Session& s) {
                      agent::v1::Command command;
                      command.mutable_set_max_sessions()->set_max_sessions(*max);
                      return send(s, *id, command);
                    }})
      ->add_option("N", *max, "the new maximum")
      ->required()
      ->check(number_in(0, std::numeric_limits<uint32_t>::max()));

  auto session = std::make_shared<std::string>();
  tree.add_command(*group, "logoff", "log a session off",
                   {Connects::always,
                    [id, session](Session& s) {
                      agent::v1::Command command;
                      command.mutable_logoff_session()->set_session_id(*session);
                      return send(s, *id, command);
                    }})
      ->add_option("SESSION_ID", *session, "the session, as `agents show ID` lists it")
      ->required();
}

}  // namespace corral::cli
