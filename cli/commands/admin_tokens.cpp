// corralctl admin-tokens create NAME | list | revoke ID: the bearer tokens of the REST API.
#include "cli/commands/commands.h"
#include "cli/format.h"
#include "cli/pretty_json.h"
#include "cli/terminal_text.h"

namespace corral::cli {
namespace {

Status create(Session& s, const std::string& name) {
  api::v1::CreateAdminTokenRequest request;
  request.set_name(name);
  auto reply = s.api->create_admin_token(request);
  if (!reply.ok()) return reply.status();
  const Output& o = s.output;
  o.out << (o.json ? pretty_json(reply->json) : format_admin_token(reply->message, o.now));
  // Also with --json: the warning goes to stderr, so it does not disturb the document.
  o.err << "Store the token now: the manager keeps only its hash and does not show it again.\n";
  return {};
}

Status list(Session& s) {
  auto reply = s.api->list_admin_tokens();
  if (!reply.ok()) return reply.status();
  const Output& o = s.output;
  o.out << (o.json ? pretty_json(reply->json) : format_admin_token_table(reply->message, o.now));
  return {};
}

Status revoke(Session& s, const std::string& id) {
  auto reply = s.api->revoke_admin_token(id);
  if (!reply.ok()) return reply.status();
  const Output& o = s.output;
  if (o.json) {
    o.out << pretty_json(reply->json);
    return {};
  }
  const auto& token = reply->message;
  o.out << "admin token " << visible(token.id().empty() ? id : token.id());
  if (!token.name().empty()) o.out << " (" << visible(token.name()) << ")";
  o.out << " revoked\n";
  return {};
}

}  // namespace

void add_admin_token_commands(CommandTree& tree) {
  CLI::App* group =
      tree.add_group(tree.root(), "admin-tokens", "the REST API's admin bearer tokens (the manager keeps only hashes)");

  auto name = std::make_shared<std::string>();
  tree.add_command(*group, "create", "create an admin token and show it (only this once)",
                   {Connects::always, [name](Session& s) { return create(s, *name); }})
      ->add_option("NAME", *name, "what the token is for (\"ci\", \"alice's laptop\"); 1 to 128 printable characters")
      ->required();

  tree.add_command(*group, "list", "list the admin tokens (their names and ids, never the secrets)",
                   {Connects::always, [](Session& s) { return list(s); }});

  auto id = std::make_shared<std::string>();
  tree.add_command(*group, "revoke", "revoke an admin token at once; the last one cannot be revoked",
                   {Connects::always, [id](Session& s) { return revoke(s, *id); }})
      ->add_option("ID", *id, "the token's id, as `admin-tokens list` shows it")
      ->required();
}

}  // namespace corral::cli
