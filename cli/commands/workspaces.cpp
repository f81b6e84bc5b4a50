// corralctl workspaces create | list | show | delete: what users ask for a session of.
#include <limits>

#include "cli/broker_flags.h"
#include "cli/broker_format.h"
#include "cli/commands/commands.h"
#include "cli/flag_checks.h"
#include "cli/resource_output.h"
#include "cli/terminal_text.h"

namespace corral::cli {
namespace {

Status create(Session& s, const WorkspaceFlags& flags) {
  auto pool = find_resource(*s.api, "pools", flags.pool, "--pool");
  if (!pool.ok()) return pool.status();
  nlohmann::json body = workspace_body(flags, str(*pool, "id"));
  auto reply = call_json(*s.api, "POST", "/api/v1/workspaces", &body);
  if (!reply.ok()) return reply.status();
  print_done(s.output, *reply,
             "workspace " + visible(str(reply->value, "name")) + " created in pool " + visible(str(*pool, "name")) +
                 " (id " + visible(str(reply->value, "id")) + ")");
  return {};
}

Status list(Session& s, const std::string& pool) {
  QueryParams params;
  if (Status st = add_id_filter(*s.api, params, "poolId", "pools", pool, "--pool"); !st.ok()) return st;
  return print_collection(s, "workspaces", params, workspace_table_header(), &workspace_row);
}

Status show(Session& s, const std::string& id_or_name) {
  auto reply = call_json(*s.api, "GET", resource_path("workspaces", id_or_name));
  if (!reply.ok()) return reply.status();
  print_resource(s.output, *reply, [&](const nlohmann::json& w) { return format_workspace(w, s.output.now); });
  return {};
}

Status remove(Session& s, const std::string& id_or_name) {
  auto id = resolve_id(*s.api, "workspaces", id_or_name, "workspace");
  if (!id.ok()) return id.status();
  auto reply = call_json(*s.api, "DELETE", resource_path("workspaces", *id));
  if (!reply.ok()) return reply.status();
  print_done(s.output, *reply, "workspace " + visible(str(reply->value, "name")) + " (" + visible(*id) + ") deleted");
  return {};
}

void add_create(CommandTree& tree, CLI::App& group) {
  auto flags = std::make_shared<WorkspaceFlags>();
  CLI::App* make = tree.add_command(group, "create", "create a workspace of a pool",
                                    {Connects::always, [flags](Session& s) { return create(s, *flags); }});
  make->add_option("NAME", flags->name, "the workspace's name, unique among workspaces (users ask for it by name)")
      ->required();
  make->add_option("--pool", flags->pool, "the pool's id or name")->type_name("POOL")->required();
  make->add_option("--include", flags->include, "sessions land only on servers with this label; repeat for several")
      ->type_name("LABEL")
      ->allow_extra_args(false);
  make->add_option("--exclude", flags->exclude, "sessions never land on servers with this label; repeat for several")
      ->type_name("LABEL")
      ->allow_extra_args(false);
  make->add_option("--allowed-group", flags->allowed_groups,
                   "a directory group (DN or name) whose signed-in users may use it; repeat for several")
      ->type_name("GROUP")
      ->allow_extra_args(false);
  make->add_option("--cores", flags->cores, "docker pools: cores one session takes (2, 1.5, 250m)")
      ->type_name("N")
      ->check(parsed_by(&parse_cores));
  make->add_option("--memory", flags->memory, "docker pools: memory one session takes (bytes, or 512MiB, 2GiB)")
      ->type_name("BYTES|2GiB")
      ->check(parsed_by(&parse_memory));
  make->add_option_function<uint32_t>(
          "--gpus", [flags](uint32_t n) { flags->gpus = n; }, "docker pools: GPUs one session takes")
      ->type_name("N")
      ->check(number_in(0, std::numeric_limits<uint32_t>::max()));
  make->add_flag("--disabled", flags->disabled, "create it disabled: it takes no sessions until enabled");
}

}  // namespace

void add_workspace_commands(CommandTree& tree) {
  CLI::App* group = tree.add_group(tree.root(), "workspaces",
                                   "what users ask for a session of: a pool and which "
                                   "of its servers qualify");
  add_create(tree, *group);

  auto pool = std::make_shared<std::string>();
  tree.add_command(*group, "list", "list the workspaces, following the manager's pages to the end",
                   {Connects::always, [pool](Session& s) { return list(s, *pool); }})
      ->add_option("--pool", *pool, "only the workspaces of this pool (id or name)")
      ->type_name("POOL");

  auto shown = std::make_shared<std::string>();
  tree.add_command(*group, "show", "one workspace in detail",
                   {Connects::always, [shown](Session& s) { return show(s, *shown); }})
      ->add_option("ID|NAME", *shown, "the workspace's id or name")
      ->required();

  auto deleted = std::make_shared<std::string>();
  tree.add_command(*group, "delete", "delete a workspace (refused while it has unfinished sessions)",
                   {Connects::always, [deleted](Session& s) { return remove(s, *deleted); }})
      ->add_option("ID|NAME", *deleted, "the workspace's id or name")
      ->required();
}

}  // namespace corral::cli
