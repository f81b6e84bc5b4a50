// corralctl plugins list: the provider plugins the manager loaded.
#include "cli/commands/commands.h"
#include "cli/pretty_json.h"
#include "cli/table.h"

namespace corral::cli {
namespace {

Status list(Session& s) {
  auto reply = s.api->list_plugins();
  if (!reply.ok()) return reply.status();
  const Output& o = s.output;
  if (o.json) {
    o.out << pretty_json(reply->json);
    return {};
  }
  std::vector<Row> rows;
  for (const auto& p : reply->message.plugins()) {
    std::string os;
    for (const auto& name : p.os_types()) os += (os.empty() ? "" : ",") + name;
    rows.push_back({p.name(), p.version(), p.isolation(), os, p.file()});
  }
  o.out << format_table({"NAME", "VERSION", "ISOLATION", "OS", "FILE"}, rows);
  return {};
}

}  // namespace

void add_plugin_commands(CommandTree& tree) {
  CLI::App* group = tree.add_group(tree.root(), "plugins", "the provider plugins the manager loaded");
  tree.add_command(*group, "list", "list the loaded plugins", {Connects::always, [](Session& s) { return list(s); }});
}

}  // namespace corral::cli
