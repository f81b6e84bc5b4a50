// corralctl agents list: every agent, page after page, optionally filtered and limited.
#include <limits>

#include "cli/agent_pager.h"
#include "cli/commands/commands.h"
#include "cli/flag_checks.h"
#include "cli/format.h"
#include "cli/json_pages.h"
#include "cli/pretty_json.h"

namespace corral::cli {
namespace {

struct ListFlags {
  AgentQuery query;
  uint64_t limit = 0;  // 0: all
};

// Rows are printed (and flushed) as each page arrives, so a large fleet shows up at once.
Status print_table(Session& s, const ListFlags& flags) {
  const Output& o = s.output;
  TableStream table(agent_table_header());
  return for_each_agent_page(*s.api, flags.query, flags.limit, [&](const Reply<api::v1::ListAgentsResponse>& page) {
    std::vector<Row> rows;
    for (const auto& agent : page.message.agents()) rows.push_back(agent_row(agent, o.now));
    o.out << table.add(rows) << std::flush;
    return Status();
  });
}

// One JSON document, as if the manager had answered with every agent at once.
Status print_json(Session& s, const ListFlags& flags) {
  JsonPages pages("agents", "nextPageToken");
  Status st =
      for_each_agent_page(*s.api, flags.query, flags.limit, [&](const Reply<api::v1::ListAgentsResponse>& page) {
        return pages.add(page.json, static_cast<size_t>(page.message.agents_size()));
      });
  if (!st.ok()) return st;
  s.output.out << pretty_json(pages.document());
  return {};
}

}  // namespace

void add_agents_list(CommandTree& tree, CLI::App& agents) {
  auto flags = std::make_shared<ListFlags>();
  CLI::App* list = tree.add_command(agents, "list", "list the agents, following the manager's pages to the end",
                                    {Connects::always, [flags](Session& s) {
                                       return s.output.json ? print_json(s, *flags) : print_table(s, *flags);
                                     }});
  tree.choices(list->add_option("--status", flags->query.status, "only agents in this status"),
               {"online", "missing", "offline", "revoked"});
  list->add_option("--label", flags->query.labels, "only agents with this label; repeat to require several")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false)
      ->check(label_check());
  list->add_option("--server-id", flags->query.server_id, "only the agent of this autoscaled server")->type_name("ID");
  list->add_option("--page-size", flags->query.page_size, "agents per request (default: the manager's, 500)")
      ->type_name("1-1000")
      ->check(number_in(1, 1000));
  list->add_option("--limit", flags->limit, "stop after N agents")
      ->type_name("N")
      ->check(number_in(1, std::numeric_limits<uint32_t>::max()));
}

}  // namespace corral::cli
