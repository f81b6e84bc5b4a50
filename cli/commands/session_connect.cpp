// corralctl sessions connect ID [-o FILE]: the session's .rdp file, for an RDP client to open.
#include "cli/broker_api.h"
#include "cli/commands/commands.h"
#include "cli/rdp_file.h"
#include "cli/terminal_text.h"
#include "common/files.h"

namespace corral::cli {
namespace {

struct ConnectFlags {
  std::string id;
  std::string file;  // empty: the manager's suggestion; "-": standard output
  bool force = false;
};

Status connect(Session& s, const ConnectFlags& flags) {
  const Output& o = s.output;
  // A named file that exists is refused before anything is asked of the manager.
  if (!flags.file.empty() && flags.file != "-" && !flags.force && file_exists(flags.file)) {
    return error(ErrorCode::already_exists, flags.file + " exists: pass --force to replace it");
  }
  auto response =
      s.api->send("GET", resource_path("sessions", flags.id) + "/connection.rdp", nullptr, "application/x-rdp");
  if (!response.ok()) return response.status();
  if (flags.file == "-") {
    o.out << response->body << std::flush;
    return {};
  }
  std::string path = flags.file.empty() ? rdp_file_name(response->headers, flags.id) : flags.file;
  if (Status st = write_rdp_file(path, response->body, flags.force); !st.ok()) return st;
  o.out << "wrote " << visible(path) << ": open it with an RDP client to connect to session " << visible(flags.id)
        << "\n";
  return {};
}

}  // namespace

void add_session_connect(CommandTree& tree, CLI::App& sessions) {
  auto flags = std::make_shared<ConnectFlags>();
  CLI::App* connect_command = tree.add_command(sessions, "connect", "save the session's .rdp file (RDP servers only)",
                                               {Connects::always, [flags](Session& s) { return connect(s, *flags); }});
  connect_command->add_option("ID", flags->id, "the session's id")->required();
  tree.names_file(connect_command->add_option(
                      "-o,--output", flags->file,
                      "where to write it; - for standard output (default: HOSTNAME.rdp as the manager names it)"))
      ->type_name("FILE|-");
  connect_command->add_flag("--force", flags->force, "replace the file if it exists");
}

}  // namespace corral::cli
