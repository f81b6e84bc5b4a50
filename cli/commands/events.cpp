// corralctl events [--pool P] [--autoscale-config C] [--server S] [--since ID|now] [--follow]:
// the manager's event log, oldest first, one line per event as it happens. --follow keeps asking
// for what came after the last event seen, once a second, until interrupted or the manager
// cannot be reached.
#include <google/protobuf/util/time_util.h>

#include "cli/broker_api.h"
#include "cli/broker_flags.h"
#include "cli/commands/commands.h"
#include "cli/terminal_text.h"
#include "cli/time_format.h"

namespace corral::cli {
namespace {

struct EventFlags {
  std::string pool;
  std::string autoscale_config;
  std::string server;
  std::string since = "0";
  bool follow = false;
};

// How long --follow waits between two asks when nothing came.
constexpr std::chrono::seconds kFollowInterval{1};
constexpr size_t kPageSize = 500;

std::string event_line(const nlohmann::json& e) {
  google::protobuf::Timestamp at;
  std::string when = google::protobuf::util::TimeUtil::FromString(str(e, "time"), &at) ? absolute_time(at) : "-";
  std::string severity = short_name("EVENT_SEVERITY_", str(e, "severity"));
  std::string line = when + "  " + severity + std::string(severity.size() < 7 ? 7 - severity.size() : 0, ' ') + "  " +
                     str(e, "kind") + "  " + str(e, "message");
  return visible(line);
}

Status events(Session& s, const EventFlags& flags) {
  QueryParams filters;
  if (Status st = add_id_filter(*s.api, filters, "poolId", "pools", flags.pool, "--pool"); !st.ok()) return st;
  if (!flags.autoscale_config.empty()) filters.emplace_back("autoscaleConfigId", flags.autoscale_config);
  if (!flags.server.empty()) filters.emplace_back("serverId", flags.server);
  std::string since = flags.since;
  for (;;) {
    QueryParams params = filters;
    params.emplace_back("since", since);
    params.emplace_back("pageSize", std::to_string(kPageSize));
    auto page = call_json(*s.api, "GET", "/api/v1/events" + query_string(params));
    if (!page.ok()) return page.status();
    const nlohmann::json& list = items_of(page->value, "events");
    for (const nlohmann::json& e : list) s.output.out << (s.output.json ? e.dump() : event_line(e)) << '\n';
    s.output.out.flush();
    since = std::to_string(num(page->value, "nextSince"));
    // A full page means more is waiting: ask again at once.
    if (list.size() >= kPageSize) continue;
    if (!flags.follow) return {};
    if (list.empty()) s.output.pause(kFollowInterval);
  }
}

}  // namespace

Result<bool> print_server_timeline(Session& s, const std::string& server_id) {
  std::string since = "0";
  bool any = false;
  for (;;) {
    QueryParams params{{"serverId", server_id}, {"since", since}, {"pageSize", std::to_string(kPageSize)}};
    auto page = call_json(*s.api, "GET", "/api/v1/events" + query_string(params));
    if (!page.ok()) return page.status();
    const nlohmann::json& list = items_of(page->value, "events");
    for (const nlohmann::json& e : list) {
      if (!any) s.output.out << "timeline:\n";
      any = true;
      s.output.out << "  " << event_line(e) << '\n';
    }
    since = std::to_string(num(page->value, "nextSince"));
    if (list.size() < kPageSize) return any;
  }
}

void add_event_commands(CommandTree& tree) {
  auto flags = std::make_shared<EventFlags>();
  CLI::App* command =
      tree.add_command(tree.root(), "events", "show what the manager decided and what happened, oldest first",
                       {Connects::always, [flags](Session& s) { return events(s, *flags); }});
  command->add_option("--pool", flags->pool, "only events about this pool (id or name)")->type_name("POOL");
  command->add_option("--autoscale-config", flags->autoscale_config, "only events about this autoscale config")
      ->type_name("ID");
  command->add_option("--server", flags->server, "only events about this server: its timeline")->type_name("ID");
  command->add_option("--since", flags->since, "only events after this id; 'now' for none of the past")
      ->type_name("ID|now");
  command->add_flag("--follow,-f", flags->follow, "keep printing events as they happen (Ctrl-C ends)");
}

}  // namespace corral::cli
