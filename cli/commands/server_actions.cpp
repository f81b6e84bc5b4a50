// corralctl servers drain | undrain | assign-agent: changes that reach the server's agent and
// the broker at once.
#include "cli/broker_api.h"
#include "cli/commands/commands.h"
#include "cli/resource_output.h"
#include "cli/terminal_text.h"

namespace corral::cli {
namespace {

// BODY null: none is sent (drain and undrain take an empty body).
Status post(Session& s, const std::string& id, const std::string& action, const nlohmann::json* body,
            const std::string& done) {
  auto reply = call_json(*s.api, "POST", resource_path("servers", id) + "/" + action, body);
  if (!reply.ok()) return reply.status();
  std::string name = str(reply->value, "hostname");
  print_done(s.output, *reply, "server " + visible(name.empty() ? id : name) + " (" + visible(id) + ") " + done);
  return {};
}

}  // namespace

void add_server_actions(CommandTree& tree, CLI::App& servers) {
  auto drained = std::make_shared<std::string>();
  tree.add_command(
          servers, "drain", "take no new sessions on the server; the ones running go on",
          {Connects::always, [drained](Session& s) { return post(s, *drained, "drain", nullptr, "draining"); }})
      ->add_option("ID", *drained, "the server's id")
      ->required();

  auto undrained = std::make_shared<std::string>();
  tree.add_command(
          servers, "undrain", "take new sessions on the server again",
          {Connects::always,
           [undrained](Session& s) { return post(s, *undrained, "undrain", nullptr, "takes sessions again"); }})
      ->add_option("ID", *undrained, "the server's id")
      ->required();

  struct Assignment {
    std::string server;
    std::string agent;
  };
  auto assigned = std::make_shared<Assignment>();
  CLI::App* assign = tree.add_command(servers, "assign-agent", "make an enrolled agent the one that backs the server",
                                      {Connects::always, [assigned](Session& s) {
                                         nlohmann::json body = {{"agentId", assigned->agent}};
                                         return post(s, assigned->server, "assign-agent", &body,
                                                     "is backed by agent " + visible(assigned->agent));
                                       }});
  assign->add_option("SERVER_ID", assigned->server, "the server's id")->required();
  assign->add_option("AGENT_ID", assigned->agent, "the agent's id, as `agents list` shows it")->required();
}

}  // namespace corral::cli
