// corralctl servers create | list | show | delete: the session hosts of a pool. drain, undrain
// and assign-agent are in server_actions.cpp.
#include <limits>

#include "cli/broker_flags.h"
#include "cli/broker_format.h"
#include "cli/commands/commands.h"
#include "cli/flag_checks.h"
#include "cli/resource_output.h"
#include "cli/terminal_text.h"

namespace corral::cli {
namespace {

Status create(Session& s, const ServerFlags& flags) {
  // Read before anything is sent: an empty stdin stops the command with nothing created.
  std::optional<std::string> password;
  if (flags.password_stdin) {
    auto read = read_password(s.output.in);
    if (!read.ok()) return read.status();
    password = std::move(*read);
  }
  auto pool = find_resource(*s.api, "pools", flags.pool, "--pool");
  if (!pool.ok()) return pool.status();
  nlohmann::json body = server_body(flags, str(*pool, "id"), password);
  auto reply = call_json(*s.api, "POST", "/api/v1/servers", &body);
  if (!reply.ok()) return reply.status();
  const nlohmann::json& server = reply->value;
  print_done(s.output, *reply,
             "server " + visible(str(server, "hostname")) + " created in pool " + visible(str(*pool, "name")) +
                 " (id " + visible(str(server, "id")) + ")");
  if (str(*pool, "type") == "POOL_TYPE_SERVER" && num(server, "maxSimultaneousSessionsPerServer") == 0) {
    s.output.err << "Note: the server takes no sessions while its maximum is 0 (set one with --max-sessions).\n";
  }
  return {};
}

Status list(Session& s, const std::string& pool) {
  QueryParams params;
  if (Status st = add_id_filter(*s.api, params, "poolId", "pools", pool, "--pool"); !st.ok()) return st;
  return print_collection(s, "servers", params, server_table_header(), &server_row);
}

// The server, then its timeline from the event log (from the autoscaler's request for its VM to
// now). A deleted server keeps its timeline: that is shown alone.
Status show(Session& s, const std::string& id) {
  auto reply = call_json(*s.api, "GET", resource_path("servers", id));
  if (!reply.ok()) {
    if (reply.status().code() != ErrorCode::not_found || s.output.json) return reply.status();
    auto past = print_server_timeline(s, id);
    if (!past.ok() || !*past) return reply.status();
    s.output.out << "(server " << visible(id) << " no longer exists)\n";
    return {};
  }
  print_resource(s.output, *reply, [&](const nlohmann::json& server) { return format_server(server, s.output.now); });
  if (s.output.json) return {};
  auto timeline = print_server_timeline(s, id);
  return timeline.ok() ? Status{} : timeline.status();
}

Status remove(Session& s, const std::string& id) {
  auto reply = call_json(*s.api, "DELETE", resource_path("servers", id));
  if (!reply.ok()) return reply.status();
  print_done(s.output, *reply, "server " + visible(str(reply->value, "hostname")) + " (" + visible(id) + ") deleted");
  return {};
}

void add_create(CommandTree& tree, CLI::App& group) {
  auto flags = std::make_shared<ServerFlags>();
  CLI::App* make = tree.add_command(group, "create", "add a server to a pool",
                                    {Connects::always, [flags](Session& s) { return create(s, *flags); }});
  make->add_option("--pool", flags->pool, "the pool's id or name")->type_name("POOL")->required();
  make->add_option("--hostname", flags->hostname, "the server's name, unique within the pool")
      ->type_name("NAME")
      ->required();
  make->add_option("--address", flags->address, "what clients connect to: a DNS name or IP address")
      ->type_name("ADDRESS")
      ->required();
  tree.choices(make->add_option("--connection", flags->connection, "how clients connect (default rdp)"),
               {"rdp", "ssh", "vnc"});
  make->add_option("--port", flags->port, "the connection's port (default: 3389 rdp, 22 ssh, 5900 vnc)")
      ->type_name("1-65535")
      ->check(number_in(1, 65535));
  make->add_option("--username", flags->username, "the user clients log on as; {sso_username}: the user's own")
      ->type_name("USER");
  make->add_flag("--password-stdin", flags->password_stdin,
                 "read the logon password from standard input (one final line break is dropped); stored sealed");
  make->add_option_function<uint32_t>(
          "--max-sessions", [flags](uint32_t n) { flags->max_sessions = n; },
          "server pools: active plus reserved sessions at most (0 takes none)")
      ->type_name("N")
      ->check(number_in(0, std::numeric_limits<uint32_t>::max()));
  make->add_option("--label", flags->labels, "a label of the server (one exact token); repeat for several")
      ->type_name("LABEL")
      ->allow_extra_args(false);
  make->add_flag("--disabled", flags->disabled, "create it disabled: it takes no sessions until enabled");
  make->add_option("--agent", flags->agent, "the enrolled agent that backs the server")->type_name("AGENT_ID");
  make->add_option("--assign-user", flags->assign_user, "pin this user to the server (pools with server assignment)")
      ->type_name("USER");
}

}  // namespace

void add_server_commands(CommandTree& tree) {
  CLI::App* group = tree.add_group(tree.root(), "servers", "the session hosts of the pools");
  add_create(tree, *group);

  auto pool = std::make_shared<std::string>();
  tree.add_command(*group, "list", "list the servers, following the manager's pages to the end",
                   {Connects::always, [pool](Session& s) { return list(s, *pool); }})
      ->add_option("--pool", *pool, "only the servers of this pool (id or name)")
      ->type_name("POOL");

  auto shown = std::make_shared<std::string>();
  tree.add_command(*group, "show", "one server in detail (never its password)",
                   {Connects::always, [shown](Session& s) { return show(s, *shown); }})
      ->add_option("ID", *shown, "the server's id")
      ->required();

  auto deleted = std::make_shared<std::string>();
  tree.add_command(*group, "delete", "delete a server (refused while it has reserved or active sessions)",
                   {Connects::always, [deleted](Session& s) { return remove(s, *deleted); }})
      ->add_option("ID", *deleted, "the server's id")
      ->required();

  add_server_actions(tree, *group);
}

}  // namespace corral::cli
