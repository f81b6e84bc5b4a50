// corralctl sessions create | list | show | end: place a session for a user, follow it, end it.
// connect (the .rdp file) is in session_connect.cpp.
#include "cli/broker_flags.h"
#include "cli/broker_format.h"
#include "cli/commands/commands.h"
#include "cli/resource_output.h"
#include "cli/terminal_text.h"

namespace corral::cli {
namespace {

struct CreateFlags {
  std::string workspace;
  std::string user;
};

struct ListFlags {
  std::string pool;
  std::string server;
  std::string workspace;
  std::string user;
  std::string state;
};

Status create(Session& s, const CreateFlags& flags) {
  // The manager takes the workspace's id or name itself.
  nlohmann::json body = session_body(flags.workspace, flags.user);
  auto reply = call_json(*s.api, "POST", "/api/v1/sessions", &body);
  if (!reply.ok()) return reply.status();
  print_resource(s.output, *reply, &format_created_session);
  return {};
}

Status list(Session& s, const ListFlags& flags) {
  QueryParams params;
  if (Status st = add_id_filter(*s.api, params, "poolId", "pools", flags.pool, "--pool"); !st.ok()) return st;
  if (!flags.server.empty()) params.emplace_back("serverId", flags.server);
  if (Status st = add_id_filter(*s.api, params, "workspaceId", "workspaces", flags.workspace, "--workspace");
      !st.ok()) {
    return st;
  }
  if (!flags.user.empty()) params.emplace_back("user", flags.user);
  if (!flags.state.empty()) params.emplace_back("state", flags.state);
  const TimePoint now = s.output.now;
  return print_collection(s, "sessions", params, session_table_header(),
                          [now](const nlohmann::json& session) { return session_row(session, now); });
}

Status show(Session& s, const std::string& id) {
  auto reply = call_json(*s.api, "GET", resource_path("sessions", id));
  if (!reply.ok()) return reply.status();
  print_resource(s.output, *reply,
                 [&](const nlohmann::json& session) { return format_session(session, s.output.now); });
  return {};
}

// An already-ended session is answered as it is: the line then shows its first end reason.
Status end(Session& s, const std::string& id) {
  auto reply = call_json(*s.api, "DELETE", resource_path("sessions", id));
  if (!reply.ok()) return reply.status();
  std::string reason = short_name("SESSION_END_REASON_", str(reply->value, "endReason"));
  print_done(s.output, *reply, "session " + visible(id) + " ended (" + visible(reason) + ")");
  return {};
}

}  // namespace

void add_session_commands(CommandTree& tree) {
  CLI::App* group = tree.add_group(tree.root(), "sessions", "place sessions for users, follow them and end them");

  auto created = std::make_shared<CreateFlags>();
  CLI::App* make = tree.add_command(*group, "create", "place a session for a user and show where to connect",
                                    {Connects::always, [created](Session& s) { return create(s, *created); }});
  make->add_option("--workspace", created->workspace, "the workspace's id or name")->type_name("WORKSPACE")->required();
  make->add_option("--user", created->user,
                   "who the session is for (required with an admin token; a signed-in user's sessions are their own)")
      ->type_name("USER");

  auto listed = std::make_shared<ListFlags>();
  CLI::App* list_command = tree.add_command(*group, "list", "list sessions, following the manager's pages to the end",
                                            {Connects::always, [listed](Session& s) { return list(s, *listed); }});
  list_command->add_option("--pool", listed->pool, "only sessions in this pool (id or name)")->type_name("POOL");
  list_command->add_option("--server", listed->server, "only sessions on this server")->type_name("SERVER_ID");
  list_command->add_option("--workspace", listed->workspace, "only sessions of this workspace (id or name)")
      ->type_name("WORKSPACE");
  list_command->add_option("--user", listed->user, "only this user's sessions")->type_name("USER");
  tree.choices(list_command->add_option("--state", listed->state, "only sessions in this state"),
               {"reserved", "active", "ended"});

  auto shown = std::make_shared<std::string>();
  tree.add_command(*group, "show", "one session in detail",
                   {Connects::always, [shown](Session& s) { return show(s, *shown); }})
      ->add_option("ID", *shown, "the session's id")
      ->required();

  auto ended = std::make_shared<std::string>();
  tree.add_command(*group, "end", "end a session, as an admin",
                   {Connects::always, [ended](Session& s) { return end(s, *ended); }})
      ->add_option("ID", *ended, "the session's id")
      ->required();

  add_session_connect(tree, *group);
}

}  // namespace corral::cli
