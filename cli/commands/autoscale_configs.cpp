// corralctl autoscale-configs list | show | create | update | delete: how a provider config keeps a
// pool at its free capacity. A config has many settings, so create and update take the API's JSON
// (docs/autoscaling.md); --pool and --provider-config name the references by id or name.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/broker_api.h"
#include "cli/commands/commands.h"
#include "cli/pretty_json.h"
#include "cli/resource_output.h"
#include "cli/terminal_text.h"

namespace corral::cli {
namespace {

using nlohmann::json;

struct SaveFlags {
  std::string id_or_name;  // update only
  std::string file;
  std::string pool;
  std::string provider_config;
  uint64_t revision = 0;
};

// The --file JSON object; "-" reads stdin.
Result<json> read_object(const std::string& path) {
  std::ostringstream data;
  if (path == "-") {
    data << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return error(ErrorCode::invalid_argument, "cannot read " + path);
    data << in.rdbuf();
  }
  json body = json::parse(data.str(), nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return error(ErrorCode::invalid_argument, path + " is not a JSON object (an autoscale config as the API shows it)");
  }
  return body;
}

Row table_header() { return {"NAME", "POOL ID", "ENABLED", "MIN AVAILABLE", "MAX", "PRIORITY", "DRY RUN", "ID"}; }

Row table_row(const json& c) {
  auto dash_or = [](const std::string& v) { return v.empty() ? std::string("-") : v; };
  return {dash_or(str(c, "name")),
          dash_or(str(c, "poolId")),
          flag(c, "enabled") ? "yes" : "no",
          c.contains("minimumAvailableSessions") ? std::to_string(num(c, "minimumAvailableSessions")) : "-",
          std::to_string(num(c, "maxInstances")),
          std::to_string(num(c, "priority")),
          flag(c, "dryRun") ? "yes" : "no",
          dash_or(str(c, "id"))};
}

Status list(Session& s, const std::string& pool) {
  QueryParams params;
  if (Status st = add_id_filter(*s.api, params, "poolId", "pools", pool, "--pool"); !st.ok()) return st;
  return print_collection(s, "autoscale-configs", params, table_header(), &table_row, "autoscaleConfigs");
}

Status show(Session& s, const std::string& id_or_name) {
  auto reply = call_json(*s.api, "GET", resource_path("autoscale-configs", id_or_name));
  if (!reply.ok()) return reply.status();
  // A config is JSON by nature (the password shows as "[redacted]"); both modes print it.
  s.output.out << pretty_json(reply->text);
  return {};
}

// The body from --file with the flags applied. An update drops what the manager sets, so the
// output of `show --json` can be edited and sent back; its revision makes the update a
// compare-and-set (the manager refuses it with 409 when the config changed meanwhile).
Result<json> body_of(Session& s, const SaveFlags& flags, bool update) {
  auto body = read_object(flags.file);
  if (!body.ok()) return body.status();
  if (!flags.pool.empty()) {
    auto id = resolve_id(*s.api, "pools", flags.pool, "--pool");
    if (!id.ok()) return id.status();
    (*body)["poolId"] = *id;
  }
  if (!flags.provider_config.empty()) {
    auto id = resolve_id(*s.api, "provider-configs", flags.provider_config, "--provider-config");
    if (!id.ok()) return id.status();
    (*body)["providerConfigId"] = *id;
  }
  if (update) {
    for (const char* output_only : {"id", "createdAt", "updatedAt"}) body->erase(output_only);
    if (flags.revision != 0) (*body)["revision"] = std::to_string(flags.revision);
  }
  return body;
}

Status create(Session& s, const SaveFlags& flags) {
  auto body = body_of(s, flags, false);
  if (!body.ok()) return body.status();
  auto reply = call_json(*s.api, "POST", "/api/v1/autoscale-configs", &*body);
  if (!reply.ok()) return reply.status();
  print_done(s.output, *reply,
             "autoscale config " + visible(str(reply->value, "name")) + " created (id " +
                 visible(str(reply->value, "id")) + ")");
  return {};
}

Status update(Session& s, const SaveFlags& flags) {
  auto id = resolve_id(*s.api, "autoscale-configs", flags.id_or_name, "autoscale config");
  if (!id.ok()) return id.status();
  auto body = body_of(s, flags, true);
  if (!body.ok()) return body.status();
  auto reply = call_json(*s.api, "PUT", resource_path("autoscale-configs", *id), &*body);
  if (!reply.ok()) return reply.status();
  print_done(s.output, *reply,
             "autoscale config " + visible(str(reply->value, "name")) + " updated (revision " +
                 std::to_string(num(reply->value, "revision")) + ")");
  return {};
}

Status remove(Session& s, const std::string& id_or_name) {
  auto id = resolve_id(*s.api, "autoscale-configs", id_or_name, "autoscale config");
  if (!id.ok()) return id.status();
  auto reply = call_json(*s.api, "DELETE", resource_path("autoscale-configs", *id));
  if (!reply.ok()) return reply.status();
  print_done(s.output, *reply,
             "autoscale config " + visible(str(reply->value, "name")) + " (" + visible(*id) + ") deleted");
  return {};
}

void add_save_flags(CommandTree& tree, CLI::App* command, SaveFlags& flags) {
  tree.names_file(command->add_option("--file", flags.file, "the config as the API's JSON; - reads stdin"))
      ->type_name("FILE|-")
      ->required();
  command->add_option("--pool", flags.pool, "set poolId to this pool (id or name)")->type_name("POOL");
  command
      ->add_option("--provider-config", flags.provider_config,
                   "set providerConfigId to this provider config (id or name)")
      ->type_name("CONFIG");
}

}  // namespace

void add_autoscale_config_commands(CommandTree& tree) {
  CLI::App* group = tree.add_group(tree.root(), "autoscale-configs",
                                   "how a provider config keeps a pool at its free capacity (the password shows as "
                                   "\"[redacted]\"; send \"[redacted]\" in an update to keep it)");

  auto pool = std::make_shared<std::string>();
  tree.add_command(*group, "list", "list the autoscale configs, following the manager's pages to the end",
                   {Connects::always, [pool](Session& s) { return list(s, *pool); }})
      ->add_option("--pool", *pool, "only the configs of this pool (id or name)")
      ->type_name("POOL");

  auto shown = std::make_shared<std::string>();
  tree.add_command(*group, "show", "show one autoscale config as JSON",
                   {Connects::always, [shown](Session& s) { return show(s, *shown); }})
      ->add_option("ID|NAME", *shown, "the config's id or name")
      ->required();

  auto created = std::make_shared<SaveFlags>();
  add_save_flags(tree,
                 tree.add_command(*group, "create",
                                  "create an autoscale config from {\"name\", \"poolId\", \"providerConfigId\", "
                                  "\"maxInstances\", ...}",
                                  {Connects::always, [created](Session& s) { return create(s, *created); }}),
                 *created);

  auto updated = std::make_shared<SaveFlags>();
  CLI::App* change =
      tree.add_command(*group, "update",
                       "replace an autoscale config (edit the output of show; its revision guards against "
                       "overwriting a change made meanwhile)",
                       {Connects::always, [updated](Session& s) { return update(s, *updated); }});
  change->add_option("ID|NAME", updated->id_or_name, "the config's id or name")->required();
  add_save_flags(tree, change, *updated);
  change->add_option("--revision", updated->revision, "apply only if the config is still at this revision")
      ->type_name("N");

  auto deleted = std::make_shared<std::string>();
  tree.add_command(*group, "delete", "delete an autoscale config",
                   {Connects::always, [deleted](Session& s) { return remove(s, *deleted); }})
      ->add_option("ID|NAME", *deleted, "the config's id or name")
      ->required();
}

}  // namespace corral::cli
