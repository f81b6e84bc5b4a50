#include "cli/run.h"

#include <exception>
#include <thread>

#include "cli/commands/commands.h"
#include "cli/terminal_text.h"

namespace corral::cli {
namespace {

// The message may quote the manager or the command line: shown, never obeyed by the terminal.
// Its own line breaks (a manager error's field violations, api_error.h) are kept.
int fail(const RunContext& context, const Status& status, int code) {
  const std::string& message = status.message();
  *context.err << "corralctl: ";
  for (size_t start = 0;;) {
    size_t end = message.find('\n', start);
    *context.err << visible(std::string_view(message).substr(start, end - start)) << "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return code;
}

int run_unguarded(const std::vector<std::string>& args, const RunContext& context) {
  auto tree = corralctl_commands();
  auto inv = tree->parse(args);
  if (!inv.ok()) return fail(context, inv.status(), kExitUsage);
  if (!inv->command) {
    *context.out << inv->help_text;
    return kExitOk;
  }

  Output output{*context.out, *context.err,  inv->flags.json, context.clock->now(),
                context.in,   context.pause, context.getenv};
  if (!output.pause) output.pause = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  const Command& command = *inv->command;
  if (command.connects == Connects::never) {
    Session session{nullptr, output};
    Status status = command.run(session);
    return status.ok() ? kExitOk : fail(context, status, kExitApiError);
  }

  const bool always = command.connects == Connects::always;
  const bool server = always || command.connects == Connects::server;
  auto settings = resolve_settings(inv->flags, context.getenv, Needs{server, always});
  if (!settings.ok()) return fail(context, settings.status(), kExitUsage);
  bool have_server = !settings->server.empty();
  ApiClient api(std::move(*settings), context.transport);
  Session session{have_server ? &api : nullptr, output};
  Status status = command.run(session);
  return status.ok() ? kExitOk : fail(context, status, kExitApiError);
}

}  // namespace

int run(const std::vector<std::string>& args, const RunContext& context) {
  // Protobuf and the standard library may still throw (allocation); corralctl reports it
  // like any other failure instead of aborting.
  try {
    return run_unguarded(args, context);
  } catch (const std::exception& e) {
    *context.err << "corralctl: internal error: " << visible(e.what()) << "\n";
    return kExitApiError;
  }
}

}  // namespace corral::cli
