// corralctl version: this program's version, and the manager's when a server is configured.
#include "cli/client_version.h"
#include "cli/commands/commands.h"
#include "cli/pretty_json.h"
#include "cli/terminal_text.h"

namespace corral::cli {
namespace {

Status version(Session& s) {
  const Output& o = s.output;
  const std::string client = client_version();
  if (!s.api) {
    o.out << (o.json ? pretty_json(R"({"clientVersion":")" + client + R"("})") : "client: " + client + "\n");
    return {};
  }
  auto reply = s.api->health();
  if (!reply.ok()) {
    // The client half is still worth printing before the error.
    if (!o.json) o.out << "client: " << client << "\n";
    return reply.status();
  }
  if (o.json) {
    o.out << pretty_json(R"({"clientVersion":")" + client + R"(","server":)" + reply->json + "}");
    return {};
  }
  const auto& health = reply->message;
  o.out << "client: " << client << "\n"
        << "server: " << (health.version().empty() ? "-" : visible(health.version())) << " ("
        << visible(health.status()) << ", " << health.agents_connected() << " agents connected)\n";
  return {};
}

}  // namespace

void add_version_command(CommandTree& tree) {
  tree.add_command(tree.root(), "version", "corralctl's version, and the manager's if a server is set",
                   {Connects::if_configured, [](Session& s) { return version(s); }});
}

}  // namespace corral::cli
