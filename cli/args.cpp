#include "cli/args.h"

#include <charconv>
#include <limits>

namespace corral::cli {
namespace {

Status usage(std::string message) { return error(ErrorCode::invalid_argument, std::move(message)); }

std::optional<uint32_t> parse_uint32(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > std::numeric_limits<uint32_t>::max()) {
    return std::nullopt;
  }
  return static_cast<uint32_t>(value);
}

// Flags of "join-token create", gathered wherever they appear and checked once the command is
// known, so "corralctl --ttl 60 join-token create" works like the other order.
struct JoinTokenFlags {
  std::string first_seen;  // name of the first such flag, for the "only applies to" error
  std::optional<std::string> ttl;
  std::vector<std::string> labels;
  std::optional<std::string> server_id;
  std::optional<std::string> description;
};

enum class Flag { server, token, token_file, ca_cert, config, ttl, label, server_id, description, file };

struct FlagSpec {
  const char* name;
  Flag flag;
  bool global;
};

constexpr FlagSpec kValueFlags[] = {
    {"--server", Flag::server, true},
    {"--token", Flag::token, true},
    {"--token-file", Flag::token_file, true},
    {"--ca-cert", Flag::ca_cert, true},
    {"--config", Flag::config, true},
    {"--ttl", Flag::ttl, false},
    {"--label", Flag::label, false},
    {"--server-id", Flag::server_id, false},
    {"--description", Flag::description, false},
    {"--file", Flag::file, false},
};

const FlagSpec* find_flag(std::string_view name) {
  for (const auto& spec : kValueFlags) {
    if (name == spec.name) return &spec;
  }
  return nullptr;
}

Status store_flag(const FlagSpec& spec, std::string value, GlobalFlags& global, JoinTokenFlags& join,
                  std::optional<std::string>& file) {
  if (spec.global && value.empty()) return usage(std::string("flag ") + spec.name + " needs a non-empty value");
  if (spec.flag == Flag::file) {
    if (value.empty()) return usage("flag --file needs a non-empty value");
    file = std::move(value);
    return {};
  }
  if (!spec.global && join.first_seen.empty()) join.first_seen = spec.name;
  switch (spec.flag) {
    case Flag::server: global.server = std::move(value); break;
    case Flag::token: global.token = std::move(value); break;
    case Flag::token_file: global.token_file = std::move(value); break;
    case Flag::ca_cert: global.ca_cert = std::move(value); break;
    case Flag::config: global.config = std::move(value); break;
    case Flag::ttl: join.ttl = std::move(value); break;
    case Flag::label: join.labels.push_back(std::move(value)); break;
    case Flag::server_id: join.server_id = std::move(value); break;
    case Flag::description: join.description = std::move(value); break;
    case Flag::file: break;
  }
  return {};
}

Status no_more(const std::vector<std::string>& positional, size_t used) {
  if (positional.size() > used) return usage("unexpected argument '" + positional[used] + "'");
  return {};
}

Status take_agent_id(const std::vector<std::string>& positional, const std::string& what, Invocation& inv) {
  if (positional.size() < 3) return usage("'" + what + "' needs an agent ID");
  if (positional[2].empty()) return usage("'" + what + "': the agent ID must not be empty");
  inv.agent_id = positional[2];
  return {};
}

Status parse_action(const std::vector<std::string>& positional, agent::v1::Command& command) {
  static const char* const kExpected = "expected drain, undrain, shutdown, set-max-sessions N or logoff SESSION_ID";
  if (positional.size() < 4) return usage(std::string("'agents command' needs an action: ") + kExpected);
  const std::string& action = positional[3];
  size_t used = 4;
  if (action == "drain") {
    command.mutable_drain()->set_enabled(true);
  } else if (action == "undrain") {
    command.mutable_drain()->set_enabled(false);
  } else if (action == "shutdown") {
    command.mutable_shutdown()->set_reason("requested with corralctl");
  } else if (action == "set-max-sessions") {
    if (positional.size() < 5) return usage("'set-max-sessions' needs a number of sessions");
    auto n = parse_uint32(positional[4]);
    if (!n) return usage("set-max-sessions: '" + positional[4] + "' is not a number of sessions");
    command.mutable_set_max_sessions()->set_max_sessions(*n);
    used = 5;
  } else if (action == "logoff") {
    if (positional.size() < 5 || positional[4].empty()) return usage("'logoff' needs a session ID");
    command.mutable_logoff_session()->set_session_id(positional[4]);
    used = 5;
  } else {
    return usage("unknown action '" + action + "': " + kExpected);
  }
  return no_more(positional, used);
}

Status apply_join_token_flags(const JoinTokenFlags& join, api::v1::CreateJoinTokenRequest& request) {
  if (join.ttl) {
    auto ttl = parse_uint32(*join.ttl);
    if (!ttl) return usage("--ttl: '" + *join.ttl + "' is not a number of seconds");
    request.set_ttl_seconds(*ttl);
  }
  for (const auto& text : join.labels) {
    auto label = parse_label(text);
    if (!label.ok()) return label.status();
    auto& labels = *request.mutable_labels();
    if (labels.count(label->first)) return usage("--label: key '" + label->first + "' given twice");
    labels[label->first] = label->second;
  }
  if (join.server_id) request.set_server_id(*join.server_id);
  if (join.description) request.set_description(*join.description);
  return {};
}

Status dispatch(const std::vector<std::string>& positional, Invocation& inv) {
  if (positional.empty()) return usage("no command given (see corralctl --help)");
  const std::string& command = positional[0];
  if (command == "help") {
    inv.command = CommandKind::help;
    return no_more(positional, 1);
  }
  if (command == "version") {
    inv.command = CommandKind::version;
    return no_more(positional, 1);
  }
  if (command == "agents") {
    if (positional.size() < 2) return usage("'agents' needs a subcommand: list, show, revoke or command");
    const std::string& sub = positional[1];
    if (sub == "list") {
      inv.command = CommandKind::agents_list;
      return no_more(positional, 2);
    }
    if (sub == "show" || sub == "revoke") {
      inv.command = sub == "show" ? CommandKind::agents_show : CommandKind::agents_revoke;
      if (Status st = take_agent_id(positional, "agents " + sub, inv); !st.ok()) return st;
      return no_more(positional, 3);
    }
    if (sub == "command") {
      inv.command = CommandKind::agents_command;
      if (Status st = take_agent_id(positional, "agents command", inv); !st.ok()) return st;
      return parse_action(positional, inv.agent_command);
    }
    return usage("unknown subcommand 'agents " + sub + "': expected list, show, revoke or command");
  }
  if (command == "plugins") {
    if (positional.size() < 2 || positional[1] != "list") return usage("'plugins' needs a subcommand: list");
    inv.command = CommandKind::plugins_list;
    return no_more(positional, 2);
  }
  if (command == "provider-configs") {
    static const char* const kSubs = "list, show, create, update or delete";
    if (positional.size() < 2) return usage(std::string("'provider-configs' needs a subcommand: ") + kSubs);
    const std::string& sub = positional[1];
    if (sub == "list") {
      inv.command = CommandKind::provider_configs_list;
      return no_more(positional, 2);
    }
    if (sub == "create") {
      inv.command = CommandKind::provider_configs_create;
      return no_more(positional, 2);
    }
    if (sub == "show" || sub == "update" || sub == "delete") {
      inv.command = sub == "show"     ? CommandKind::provider_configs_show
                    : sub == "update" ? CommandKind::provider_configs_update
                                      : CommandKind::provider_configs_delete;
      if (positional.size() < 3 || positional[2].empty()) {
        return usage("'provider-configs " + sub + "' needs a provider config " + (sub == "show" ? "ID or name" : "ID"));
      }
      inv.target = positional[2];
      return no_more(positional, 3);
    }
    return usage("unknown subcommand 'provider-configs " + sub + "': expected " + kSubs);
  }
  if (command == "join-token") {
    if (positional.size() < 2) return usage("'join-token' needs a subcommand: create");
    if (positional[1] != "create")
      return usage("unknown subcommand 'join-token " + positional[1] + "': expected create");
    inv.command = CommandKind::join_token_create;
    return no_more(positional, 2);
  }
  return usage("unknown command '" + command + "' (see corralctl --help)");
}

}  // namespace

Result<std::pair<std::string, std::string>> parse_label(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos) return usage("--label: '" + std::string(text) + "' is not KEY=VALUE");
  if (eq == 0) return usage("--label: '" + std::string(text) + "' has an empty key");
  return std::make_pair(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
}

Result<Invocation> parse_args(const std::vector<std::string>& args) {
  Invocation inv;
  JoinTokenFlags join;
  std::optional<std::string> file;
  std::vector<std::string> positional;
  bool help = false;
  bool flags_ended = false;

  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_ended || arg.size() < 2 || arg[0] != '-') {
      positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_ended = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      help = true;
      continue;
    }
    std::string name = arg;
    std::optional<std::string> value;
    if (size_t eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    if (name == "--json") {
      if (value) return usage("flag --json takes no value");
      inv.flags.json = true;
      continue;
    }
    const FlagSpec* spec = find_flag(name);
    if (!spec) return usage("unknown flag " + name + " (see corralctl --help)");
    if (!value) {
      // A following flag is a forgotten value, not a value: "--server --json" must not
      // connect to a host named "--json".
      if (i + 1 >= args.size() || args[i + 1].starts_with("--")) return usage("flag " + name + " needs a value");
      value = args[++i];
    }
    if (Status st = store_flag(*spec, std::move(*value), inv.flags, join, file); !st.ok()) return st;
  }

  if (help) {
    inv.command = CommandKind::help;
    return inv;
  }
  if (inv.flags.token && inv.flags.token_file) return usage("flags --token and --token-file cannot be used together");
  if (Status st = dispatch(positional, inv); !st.ok()) return st;
  bool wants_file =
      inv.command == CommandKind::provider_configs_create || inv.command == CommandKind::provider_configs_update;
  if (file && !wants_file) return usage("flag --file only applies to 'provider-configs create' and 'update'");
  if (wants_file && !file) return usage("'provider-configs create' and 'update' need --file FILE (a JSON ProviderConfig)");
  if (file) inv.body_file = *file;
  if (!join.first_seen.empty()) {
    if (inv.command != CommandKind::join_token_create) {
      return usage("flag " + join.first_seen + " only applies to 'join-token create'");
    }
    if (Status st = apply_join_token_flags(join, inv.join_token); !st.ok()) return st;
  }
  return inv;
}

}  // namespace corral::cli
