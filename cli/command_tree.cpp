#include "cli/command_tree.h"

namespace corral::cli {
namespace {

constexpr const char* kGlobalFlags = "Global flags";

Status usage(std::string message) { return error(ErrorCode::invalid_argument, std::move(message)); }

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const auto* sub : subcommands_of(app)) names.push_back(sub->get_name());
  return names;
}

std::string see_help(const CLI::App& app) {
  std::string path = command_path(app);
  return " (see corralctl " + (path.empty() ? "" : path + " ") + "--help)";
}

std::string for_command(const CLI::App& app) {
  std::string path = command_path(app);
  return path.empty() ? "" : " for '" + path + "'";
}

// A flag's value that is missing or is the next flag: "--server --json" must not connect to a
// host named "--json". Positionals may start with "-" (after "--").
CLI::Validator value_present(bool positional) {
  return CLI::Validator(
      [positional](std::string& value) -> std::string {
        if (value.empty()) return "needs a non-empty value";
        if (!positional && value.starts_with("--"))
          return "needs a value, got the flag " + value.substr(0, value.find('='));
        return "";
      },
      "");
}

// Done once the tree is complete: what every option of every command shares.
void finish_options(CLI::App& app) {
  for (auto* option : app.get_options()) {
    if (option->get_items_expected_max() == 0) continue;  // a switch such as --json
    option->check(value_present(!option->nonpositional()));
    // An argument's name says what it is ("ID"); CLI11's "TEXT" would only repeat it.
    if (!option->nonpositional()) option->type_name("");
  }
  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) finish_options(*sub);
}

const CLI::App* deepest_selected(const CLI::App& root) {
  const CLI::App* app = &root;
  while (!app->get_subcommands().empty()) app = app->get_subcommands().front();
  return app;
}

}  // namespace

std::string command_path(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* a = &app; a->get_parent() != nullptr; a = a->get_parent())
    names.insert(names.begin(), a->get_name());
  return join(names, " ");
}

std::vector<const CLI::App*> subcommands_of(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App*) { return true; });
}

CommandTree::CommandTree()
    : root_(
          std::make_unique<CLI::App>("corralctl: manage a Corral fleet through the manager's REST API.", "corralctl")) {
  CLI::App& root = *root_;
  auto formatter = root.get_formatter();
  formatter->label("OPTIONS", "FLAGS");
  formatter->label("SUBCOMMAND", "COMMAND");
  formatter->label("Positionals", "Arguments");
  formatter->column_width(26);
  root.option_defaults()->group("Flags");
  root.set_help_flag("-h,--help", "show this help")->group(kGlobalFlags);
  // Global flags are accepted after the command too, and extras are kept (not thrown) so the
  // error can say which command they were given to.
  root.fallthrough();
  root.allow_extras();
  root.require_subcommand(0, 1);

  auto global = [&](const char* name, const char* type, const char* description, std::optional<std::string>& slot) {
    return root
        .add_option_function<std::string>(
            name, [&slot](const std::string& value) { slot = value; }, description)
        ->type_name(type)
        ->group(kGlobalFlags)
        // The last one wins, so a shell alias can carry --server and a command line still override it.
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  };
  global("--server", "URL", "the manager's API listener, https://HOST:PORT (env CORRAL_SERVER)", flags_.server);
  names_file(global("--token-file", "FILE", "file holding the admin token (env CORRAL_TOKEN_FILE)", flags_.token_file));
  global("--token", "TOKEN",
         "the admin token itself; visible to other local users in the process list, so prefer --token-file (env "
         "CORRAL_TOKEN)",
         flags_.token);
  names_file(global("--ca-cert", "FILE",
                    "trust only this CA (PEM) for the manager's certificate; default: the system trust store (env "
                    "CORRAL_CA_CERT)",
                    flags_.ca_cert));
  names_file(global("--config", "FILE",
                    "config file; default $XDG_CONFIG_HOME/corral/corralctl.yaml or ~/.config/corral/corralctl.yaml",
                    flags_.config));
  root.add_flag("--json", flags_.json, "print the API's JSON instead of tables")->group(kGlobalFlags);

  root.footer(
      "Each setting comes from its flag, else its environment variable, else the config file (keys: server,\n"
      "token_file, token, ca_cert; relative paths are relative to the file). Global flags go before or after\n"
      "the command.\n"
      "\n"
      "Exit status: 0 success, 1 API or transport error, 2 usage or configuration error.");
}

CLI::App* CommandTree::add_group(CLI::App& parent, const std::string& name, const std::string& description) {
  CLI::App* group = parent.add_subcommand(name, description);
  group->group("Commands");
  group->get_help_ptr()->group("Flags");
  group->require_subcommand(0, 1);
  group->footer("Global flags (--server, --token-file, --token, --ca-cert, --config, --json): see corralctl --help.");
  return group;
}

CLI::App* CommandTree::add_command(CLI::App& parent, const std::string& name, const std::string& description,
                                   Command command) {
  CLI::App* app = add_group(parent, name, description);
  commands_.emplace(app, std::move(command));
  return app;
}

CLI::Option* CommandTree::choices(CLI::Option* option, std::vector<std::string> values) {
  std::string listed = join(values, ", ");
  option->type_name(join(values, "|"));
  option->check(CLI::Validator(
      [values, listed](std::string& value) -> std::string {
        for (const auto& v : values) {
          if (value == v) return "";
        }
        return "'" + value + "' is not one of " + listed;
      },
      ""));
  choices_[option] = std::move(values);
  return option;
}

CLI::Option* CommandTree::names_file(CLI::Option* option) {
  files_.insert(option);
  return option;
}

const std::vector<std::string>* CommandTree::choices_of(const CLI::Option& option) const {
  auto it = choices_.find(&option);
  return it == choices_.end() ? nullptr : &it->second;
}

bool CommandTree::is_file(const CLI::Option& option) const { return files_.count(&option) > 0; }

Result<Invocation> CommandTree::parse(const std::vector<std::string>& args) {
  bool wants_help = false;
  for (const auto& arg : args) {
    if (arg == "--") break;
    if (arg == "-h" || arg == "--help") wants_help = true;
    // CLI11 would take the next argument as the value of "--server=".
    if (arg.starts_with("--") && arg.find('=') == arg.size() - 1) {
      return usage("flag " + arg.substr(0, arg.size() - 1) + " needs a non-empty value");
    }
  }
  finish_options(*root_);

  std::optional<std::string> parse_error;
  try {
    root_->parse(std::vector<std::string>(args.rbegin(), args.rend()));  // CLI11 takes them reversed
  } catch (const CLI::CallForHelp&) {
    wants_help = true;
  } catch (const CLI::ParseError& e) {
    parse_error = e.what();
  }
  // Help wins over any other problem on the line, as the user asked for it.
  if (wants_help) return Invocation{flags_, nullptr, root_->help()};

  const CLI::App& leaf = *deepest_selected(*root_);
  auto extras = root_->remaining(true);
  // CLI11 also lists the "--" that ended the flags of a command with arguments.
  std::erase(extras, "--");
  if (!extras.empty()) {
    const std::string& extra = extras.front();
    if (extra.size() > 1 && extra[0] == '-') {
      // Only the name: "--tokne=SECRET" must not print the secret.
      return usage("unknown flag " + extra.substr(0, extra.find('=')) + for_command(leaf) + see_help(leaf));
    }
    if (!commands_.count(&leaf)) {
      std::string path = command_path(leaf);
      return usage("unknown command '" + (path.empty() ? "" : path + " ") + extra + "': expected " +
                   join(subcommand_names(leaf), ", ") + see_help(leaf));
    }
    return usage("unexpected argument '" + extra + "'" + for_command(leaf) + see_help(leaf));
  }
  if (parse_error) {
    std::string path = command_path(leaf);
    return usage((path.empty() ? "" : "'" + path + "': ") + *parse_error + see_help(leaf));
  }
  if (flags_.token && flags_.token_file) {
    return usage("flags --token and --token-file cannot be used together" + see_help(*root_));
  }
  auto command = commands_.find(&leaf);
  if (command == commands_.end()) {
    if (&leaf == root_.get()) return usage("no command given" + see_help(leaf));
    return usage("'" + command_path(leaf) + "' needs a command: " + join(subcommand_names(leaf), ", ") +
                 see_help(leaf));
  }
  return Invocation{flags_, &command->second, ""};
}

Result<std::string> CommandTree::help_for(const std::vector<std::string>& path) const {
  const CLI::App* app = root_.get();
  std::string name = "corralctl";
  for (const auto& word : path) {
    const CLI::App* next = nullptr;
    for (const auto* sub : subcommands_of(*app)) {
      if (sub->get_name() == word) next = sub;
    }
    if (!next) {
      std::string message = "unknown command '";
      std::string so_far = command_path(*app);
      if (!so_far.empty()) message.append(so_far).append(" ");
      message.append(word).append("'");
      return usage(std::move(message));
    }
    name.append(" ").append(word);
    app = next;
  }
  return root_->get_formatter()->make_help(app, name, CLI::AppFormatMode::Normal);
}

}  // namespace corral::cli
