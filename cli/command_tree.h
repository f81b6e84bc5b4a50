// corralctl's commands as one tree on CLI11. Each resource's file in cli/commands/ adds its
// commands, their flags and what they run; run() parses the command line against the tree, and
// the help and the shell completion scripts are generated from it, so none of them can drift.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "cli/api_client.h"
#include "cli/settings.h"
#include "common/result.h"

namespace corral::cli {

struct Output {
  std::ostream& out;
  std::ostream& err;
  bool json = false;
  std::chrono::system_clock::time_point now;
  // What `servers create --password-stdin` reads; null reads nothing (an empty stdin).
  std::istream* in = nullptr;
  // How a command that follows something waits between two asks (tests make it return at once).
  std::function<void(std::chrono::milliseconds)> pause;
  // The environment (login and logout find the user token file through it).
  Getenv getenv;
};

// What a command runs with. API is null only for commands that connect `if_configured` and
// find no server set, or that connect `never`.
struct Session {
  ApiClient* api = nullptr;
  const Output& output;
};

// Which settings a command resolves before it runs: none (help, completion: a broken config
// file must not stop them), the server if one is set (version, logout), the server only (login),
// or server and token.
enum class Connects { never, if_configured, server, always };

struct Command {
  Connects connects = Connects::always;
  // Returns the API or transport error unprinted; run() prints it and exits 1.
  std::function<Status(Session&)> run;
};

struct Invocation {
  GlobalFlags flags;
  const Command* command = nullptr;  // null when help_text is set
  std::string help_text;             // --help or -h was given: print this, exit 0
};

class CommandTree {
 public:
  CommandTree();
  CommandTree(const CommandTree&) = delete;
  CommandTree& operator=(const CommandTree&) = delete;

  CLI::App& root() { return *root_; }
  const CLI::App& root() const { return *root_; }

  // A node that holds commands ("agents"); named alone on a command line, it is a usage error
  // listing them.
  CLI::App* add_group(CLI::App& parent, const std::string& name, const std::string& description);
  // A command that runs COMMAND once the command line is parsed.
  CLI::App* add_command(CLI::App& parent, const std::string& name, const std::string& description, Command command);

  // Restricts OPTION (a flag or a positional) to VALUES, lists them in the help, and lets the
  // completion scripts offer them.
  CLI::Option* choices(CLI::Option* option, std::vector<std::string> values);
  // OPTION names a file: the completion scripts offer file names.
  CLI::Option* names_file(CLI::Option* option);

  const std::vector<std::string>* choices_of(const CLI::Option& option) const;
  bool is_file(const CLI::Option& option) const;
  bool is_group(const CLI::App& app) const { return !commands_.count(&app) && &app != root_.get(); }

  // ARGS excludes the program name; call once per tree. Errors are ErrorCode::invalid_argument
  // naming the flag, argument or command that is wrong and the help to read.
  Result<Invocation> parse(const std::vector<std::string>& args);

  // The help of the command at PATH ({"agents", "list"}; {} for corralctl itself).
  Result<std::string> help_for(const std::vector<std::string>& path) const;

 private:
  // CLI::App is neither copyable nor movable, and options point into it.
  std::unique_ptr<CLI::App> root_;
  GlobalFlags flags_;
  std::map<const CLI::App*, Command> commands_;
  std::map<const CLI::Option*, std::vector<std::string>> choices_;
  std::set<const CLI::Option*> files_;
};

// "agents list" for that command; "" for the root.
std::string command_path(const CLI::App& app);

// The subcommands of APP in the order they were added.
std::vector<const CLI::App*> subcommands_of(const CLI::App& app);

}  // namespace corral::cli
