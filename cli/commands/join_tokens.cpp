// corralctl join-token create: the one-time token a host enrolls its agent with.
#include <limits>

#include "cli/commands/commands.h"
#include "cli/flag_checks.h"
#include "cli/format.h"
#include "cli/pretty_json.h"

namespace corral::cli {
namespace {

Status create(Session& s, const api::v1::CreateJoinTokenRequest& request) {
  auto reply = s.api->create_join_token(request);
  if (!reply.ok()) return reply.status();
  const Output& o = s.output;
  if (o.json) {
    o.out << pretty_json(reply->json);
  } else {
    o.out << format_join_token(reply->message, o.now);
    o.err << "Store the token now: the manager does not show it again.\n";
  }
  return {};
}

}  // namespace

void add_join_token_commands(CommandTree& tree) {
  CLI::App* group = tree.add_group(tree.root(), "join-token", "one-time tokens that hosts enroll their agents with");
  auto request = std::make_shared<api::v1::CreateJoinTokenRequest>();
  CLI::App* make = tree.add_command(*group, "create", "create a join token and show it (only this once)",
                                    {Connects::always, [request](Session& s) { return create(s, *request); }});
  make->add_option_function<uint32_t>(
          "--ttl", [request](uint32_t ttl) { request->set_ttl_seconds(ttl); },
          "lifetime in seconds (default: the manager's, 3600; at most 7 days)")
      ->type_name("SECONDS")
      ->check(number_in(0, std::numeric_limits<uint32_t>::max()));
  make->add_option_function<std::vector<std::string>>(
          "--label",
          [request](const std::vector<std::string>& labels) {
            auto& map = *request->mutable_labels();
            for (const auto& text : labels) {
              auto label = parse_label(text);
              if (!label.ok()) throw CLI::ValidationError("--label", label.status().message());
              if (map.count(label->first))
                throw CLI::ValidationError("--label", "key '" + label->first + "' given twice");
              map[label->first] = label->second;
            }
          },
          "a label the enrolled agent gets (it wins over the agent's own); repeat for several")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false)
      ->check(label_check());
  make->add_option_function<std::string>(
          "--server-id", [request](const std::string& id) { request->set_server_id(id); },
          "bind the token to a server: the agent that enrolls with it backs that server")
      ->type_name("ID");
  make->add_option_function<std::string>(
          "--description", [request](const std::string& text) { request->set_description(text); },
          "what the token is for, shown to admins")
      ->type_name("TEXT");
}

}  // namespace corral::cli
