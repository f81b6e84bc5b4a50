// corralctl provider-configs list | show | create | update | delete: a plugin's settings,
// validated by the manager against the plugin's schema.
#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands/commands.h"
#include "cli/pretty_json.h"
#include "cli/table.h"
#include "cli/terminal_text.h"

namespace corral::cli {
namespace {

// The --file of create and update; "-" reads stdin.
Result<std::string> read_body(const std::string& path) {
  std::ostringstream data;
  if (path == "-") {
    data << std::cin.rdbuf();
    return data.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return error(ErrorCode::invalid_argument, "cannot read " + path);
  data << in.rdbuf();
  return data.str();
}

Status list(Session& s) {
  auto reply = s.api->list_provider_configs();
  if (!reply.ok()) return reply.status();
  const Output& o = s.output;
  if (o.json) {
    o.out << pretty_json(reply->json);
    return {};
  }
  std::vector<Row> rows;
  for (const auto& c : reply->message.provider_configs()) {
    rows.push_back({c.name(), c.plugin(), std::to_string(c.max_instances()), std::to_string(c.revision()), c.id()});
  }
  o.out << format_table({"NAME", "PLUGIN", "MAX", "REVISION", "ID"}, rows);
  return {};
}

Status show(Session& s, const std::string& id_or_name) {
  auto reply = s.api->get_provider_config(id_or_name);
  if (!reply.ok()) return reply.status();
  // A config is JSON by nature (secrets appear as "[redacted]"); both modes print it.
  s.output.out << pretty_json(reply->json);
  return {};
}

// ID empty: create.
Status save(Session& s, const std::string& id, const std::string& file) {
  auto body = read_body(file);
  if (!body.ok()) return body.status();
  api::v1::ProviderConfig config;
  auto parsed = google::protobuf::util::JsonStringToMessage(*body, &config, google::protobuf::util::JsonParseOptions());
  if (!parsed.ok()) {
    return error(ErrorCode::invalid_argument, "the file is not a provider config: " + std::string(parsed.message()));
  }
  auto reply = id.empty() ? s.api->create_provider_config(config) : s.api->update_provider_config(id, config);
  if (!reply.ok()) return reply.status();
  const Output& o = s.output;
  if (o.json) {
    o.out << pretty_json(reply->json);
  } else {
    const auto& c = reply->message;
    o.out << "provider config " << visible(c.name()) << " " << (id.empty() ? "created" : "updated") << " (id "
          << visible(c.id()) << ", revision " << c.revision() << ")\n";
  }
  return {};
}

Status remove(Session& s, const std::string& id) {
  auto reply = s.api->delete_provider_config(id);
  if (!reply.ok()) return reply.status();
  const Output& o = s.output;
  if (o.json) {
    o.out << pretty_json(reply->json);
  } else {
    o.out << "provider config " << visible(reply->message.name()) << " (" << visible(id) << ") deleted\n";
  }
  return {};
}

struct Target {
  std::string id;
  std::string file;
};

void add_file_flag(CommandTree& tree, CLI::App* command, std::string& file) {
  tree.names_file(command->add_option("--file", file, "the config as the API's JSON; - reads stdin"))
      ->type_name("FILE|-")
      ->required();
}

}  // namespace

void add_provider_config_commands(CommandTree& tree) {
  CLI::App* group = tree.add_group(tree.root(), "provider-configs",
                                   "a provider plugin's settings (secrets show as \"[redacted]\"; send "
                                   "\"[redacted]\" in an update to keep one)");
  tree.add_command(*group, "list", "list the provider configs", {Connects::always, [](Session& s) { return list(s); }});

  auto shown = std::make_shared<std::string>();
  tree.add_command(*group, "show", "show one provider config as JSON",
                   {Connects::always, [shown](Session& s) { return show(s, *shown); }})
      ->add_option("ID|NAME", *shown, "the config's id or name")
      ->required();

  auto created = std::make_shared<Target>();
  add_file_flag(tree,
                tree.add_command(*group, "create",
                                 "create a provider config from {\"name\", \"plugin\", \"config\", "
                                 "\"startupScriptTemplate\", \"maxInstances\"}",
                                 {Connects::always, [created](Session& s) { return save(s, "", created->file); }}),
                created->file);

  auto updated = std::make_shared<Target>();
  CLI::App* update =
      tree.add_command(*group, "update", "replace a provider config (name and plugin may be left out)",
                       {Connects::always, [updated](Session& s) { return save(s, updated->id, updated->file); }});
  update->add_option("ID", updated->id, "the config's id")->required();
  add_file_flag(tree, update, updated->file);

  auto deleted = std::make_shared<std::string>();
  tree.add_command(*group, "delete", "delete a provider config",
                   {Connects::always, [deleted](Session& s) { return remove(s, *deleted); }})
      ->add_option("ID", *deleted, "the config's id")
      ->required();
}

}  // namespace corral::cli
