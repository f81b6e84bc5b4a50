// corralctl pools create | list | show | delete: the sets of servers sessions are placed on.
#include "cli/broker_flags.h"
#include "cli/broker_format.h"
#include "cli/commands/commands.h"
#include "cli/resource_output.h"
#include "cli/terminal_text.h"

namespace corral::cli {
namespace {

Status create(Session& s, const PoolFlags& flags) {
  nlohmann::json body = pool_body(flags);
  auto reply = call_json(*s.api, "POST", "/api/v1/pools", &body);
  if (!reply.ok()) return reply.status();
  print_done(s.output, *reply,
             "pool " + visible(str(reply->value, "name")) + " created (id " + visible(str(reply->value, "id")) + ")");
  return {};
}

Status show(Session& s, const std::string& id_or_name) {
  auto reply = call_json(*s.api, "GET", resource_path("pools", id_or_name));
  if (!reply.ok()) return reply.status();
  print_resource(s.output, *reply, [&](const nlohmann::json& pool) { return format_pool(pool, s.output.now); });
  return {};
}

// DELETE takes the id; a name is looked up first.
Status remove(Session& s, const std::string& id_or_name) {
  auto id = resolve_id(*s.api, "pools", id_or_name, "pool");
  if (!id.ok()) return id.status();
  auto reply = call_json(*s.api, "DELETE", resource_path("pools", *id));
  if (!reply.ok()) return reply.status();
  print_done(s.output, *reply, "pool " + visible(str(reply->value, "name")) + " (" + visible(*id) + ") deleted");
  return {};
}

}  // namespace

void add_pool_commands(CommandTree& tree) {
  CLI::App* group = tree.add_group(tree.root(), "pools", "the pools of servers that sessions are placed on");

  auto flags = std::make_shared<PoolFlags>();
  CLI::App* make = tree.add_command(*group, "create", "create a pool",
                                    {Connects::always, [flags](Session& s) { return create(s, *flags); }});
  make->add_option("NAME", flags->name, "the pool's name, unique among pools")->required();
  tree.choices(make->add_option("--type", flags->type,
                                "server: session hosts counted in sessions; "
                                "docker-agent: container hosts counted in cores, memory, GPUs"),
               {"server", "docker-agent"})
      ->required();
  make->add_option("--label", flags->labels,
                   "a label every server of the pool has (one exact token); repeat for several")
      ->type_name("LABEL")
      ->allow_extra_args(false);
  make->add_flag("--server-assignment", flags->server_assignment,
                 "users may be pinned to servers (servers create --assign-user); server pools only");
  make->add_option("--rd-gateway", flags->rd_gateway, "the RD Gateway RDP clients go through (port default 443)")
      ->type_name("HOST[:PORT]")
      ->check(parsed_by(&parse_rd_gateway));

  tree.add_command(
      *group, "list", "list the pools, following the manager's pages to the end",
      {Connects::always, [](Session& s) { return print_collection(s, "pools", {}, pool_table_header(), &pool_row); }});

  auto shown = std::make_shared<std::string>();
  tree.add_command(*group, "show", "one pool in detail",
                   {Connects::always, [shown](Session& s) { return show(s, *shown); }})
      ->add_option("ID|NAME", *shown, "the pool's id or name")
      ->required();

  auto deleted = std::make_shared<std::string>();
  tree.add_command(*group, "delete", "delete a pool (refused while it has servers, workspaces or sessions)",
                   {Connects::always, [deleted](Session& s) { return remove(s, *deleted); }})
      ->add_option("ID|NAME", *deleted, "the pool's id or name")
      ->required();
}

}  // namespace corral::cli
