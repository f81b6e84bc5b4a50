#include "cli/run.h"

#include <exception>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/usage.h"

namespace corral::cli {
namespace {

int fail(const RunContext& context, const Status& status, int code) {
  *context.err << "corralctl: " << status.message() << "\n";
  return code;
}

// The --file of provider-configs create/update; "-" reads stdin.
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

Status dispatch(const Invocation& inv, ApiClient& api, bool have_server, const Output& output) {
  switch (inv.command) {
    case CommandKind::agents_list: return agents_list(api, output);
    case CommandKind::agents_show: return agents_show(api, inv.agent_id, output);
    case CommandKind::agents_revoke: return agents_revoke(api, inv.agent_id, output);
    case CommandKind::agents_command: return agents_command(api, inv.agent_id, inv.agent_command, output);
    case CommandKind::join_token_create: return join_token_create(api, inv.join_token, output);
    case CommandKind::plugins_list: return plugins_list(api, output);
    case CommandKind::provider_configs_list: return provider_configs_list(api, output);
    case CommandKind::provider_configs_show: return provider_configs_show(api, inv.target, output);
    case CommandKind::provider_configs_create:
    case CommandKind::provider_configs_update: {
      auto body = read_body(inv.body_file);
      if (!body.ok()) return body.status();
      return provider_configs_save(
          api, inv.command == CommandKind::provider_configs_update ? inv.target : std::string(), *body, output);
    }
    case CommandKind::provider_configs_delete: return provider_configs_delete(api, inv.target, output);
    case CommandKind::version: return version(have_server ? &api : nullptr, output);
    case CommandKind::help: break;
  }
  return error(ErrorCode::internal, "command not handled");
}

int run_unguarded(const std::vector<std::string>& args, const RunContext& context) {
  auto inv = parse_args(args);
  if (!inv.ok()) {
    *context.err << "corralctl: " << inv.status().message() << "\n";
    return kExitUsage;
  }
  if (inv->command == CommandKind::help) {
    *context.out << usage_text();
    return kExitOk;
  }

  // "version" works without any configuration; it asks the server only when one is set.
  bool is_version = inv->command == CommandKind::version;
  auto settings = resolve_settings(inv->flags, context.getenv, Needs{!is_version, !is_version});
  if (!settings.ok()) return fail(context, settings.status(), kExitUsage);

  bool have_server = !settings->server.empty();
  ApiClient api(std::move(*settings), context.transport);
  Output output{*context.out, *context.err, inv->flags.json, context.clock->now()};
  Status status = dispatch(*inv, api, have_server, output);
  if (!status.ok()) return fail(context, status, kExitApiError);
  return kExitOk;
}

}  // namespace

int run(const std::vector<std::string>& args, const RunContext& context) {
  // Protobuf and the standard library may still throw (allocation); corralctl reports it
  // like any other failure instead of aborting.
  try {
    return run_unguarded(args, context);
  } catch (const std::exception& e) {
    *context.err << "corralctl: internal error: " << e.what() << "\n";
    return kExitApiError;
  }
}

}  // namespace corral::cli
