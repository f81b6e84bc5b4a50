// The completion scripts, run in the real shells: every command of the tree is offered where it
// belongs, flag values complete, and the scripts register themselves for corralctl.
#include "cli/completion.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <functional>

#include "cli/commands/commands.h"
#include "fakes.h"

namespace corral::cli {
namespace {

using testing::Harness;
using testing::ScratchDir;

struct ShellRun {
  int code = -1;
  std::string output;
};

// Runs SCRIPT_TEXT with SHELL_COMMAND ("bash --norc -c", say), stdout and stderr together.
ShellRun run_shell(const ScratchDir& dir, const std::string& shell_command, const std::string& script_text) {
  std::string path = dir.write("test-script", script_text);
  ShellRun r;
  FILE* p = ::popen((shell_command + " " + path + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

bool have(const char* program) {
  return std::system((std::string("command -v ") + program + " >/dev/null 2>&1").c_str()) == 0;
}

std::string script(const std::string& shell) {
  Harness h;
  EXPECT_EQ(h.run({"completion", shell}), kExitOk) << h.err.str();
  return h.out.str();
}

// Every command of the tree, by path, with the commands it holds.
void each_node(const CLI::App& app, const std::function<void(const CLI::App&)>& visit) {
  visit(app);
  for (const auto* sub : subcommands_of(app)) each_node(*sub, visit);
}

// A bash line that completes WORDS (the last one is under the cursor) and prints the answers.
std::string bash_complete(const std::vector<std::string>& words) {
  std::string line = "t";
  for (const auto& w : words) line += " " + shell_quote(w);
  return line + "\n";
}

constexpr const char* kBashHarness = R"(
t() {
  COMP_WORDS=(corralctl "$@")
  COMP_CWORD=$#
  _corralctl
  printf '%s|' "$*"
  printf '%s ' "${COMPREPLY[@]}"
  printf '\n'
}
)";

TEST(Completion, ScriptsNameEveryCommand) {
  auto tree = corralctl_commands();
  for (const std::string shell : {"bash", "zsh"}) {
    std::string text = script(shell);
    each_node(tree->root(), [&](const CLI::App& app) {
      // Each command has its own entry in the node table, a case label of its path.
      EXPECT_NE(text.find("    '" + command_path(app) + "')\n"), std::string::npos)
          << shell << ": " << command_path(app);
    });
  }
}

TEST(Completion, BashParsesAndRegistersTheScript) {
  ScratchDir dir;
  std::string path = dir.write("corralctl.bash", script("bash"));
  ShellRun syntax = run_shell(dir, "bash -n", script("bash"));
  EXPECT_EQ(syntax.code, 0) << syntax.output;
  ShellRun sourced =
      run_shell(dir, "bash --norc --noprofile", "source " + shell_quote(path) + "\ncomplete -p corralctl\n");
  EXPECT_EQ(sourced.code, 0) << sourced.output;
  EXPECT_EQ(sourced.output, "complete -F _corralctl corralctl\n");
}

TEST(Completion, BashOffersEachCommandsSubcommands) {
  ScratchDir dir;
  std::string path = dir.write("corralctl.bash", script("bash"));
  auto tree = corralctl_commands();
  std::string test = "source " + shell_quote(path) + "\n" + kBashHarness;
  std::vector<std::string> expected;
  each_node(tree->root(), [&](const CLI::App& app) {
    auto subs = subcommands_of(app);
    if (subs.empty()) return;
    std::vector<std::string> words;
    std::string path_words = command_path(app);
    for (size_t start = 0; !path_words.empty();) {
      size_t space = path_words.find(' ', start);
      words.push_back(path_words.substr(start, space - start));
      if (space == std::string::npos) break;
      start = space + 1;
    }
    // "agents command" takes the agent's id before its actions.
    if (command_path(app) == "agents command") words.push_back("a1");
    words.push_back("");
    test += bash_complete(words);
    std::string line;
    for (size_t i = 0; i < words.size(); ++i) line += (i ? " " : "") + words[i];
    line += "|";
    for (const auto* sub : subs) line += sub->get_name() + " ";
    expected.push_back(line);
  });
  ShellRun r = run_shell(dir, "bash --norc --noprofile", test);
  ASSERT_EQ(r.code, 0) << r.output;
  std::string want;
  for (const auto& line : expected) want += line + "\n";
  EXPECT_EQ(r.output, want);
}

TEST(Completion, BashCompletesFlagsAndValues) {
  ScratchDir dir;
  dir.write("configs/dev.json", "{}");
  std::string path = dir.write("corralctl.bash", script("bash"));
  std::string test = "source " + shell_quote(path) + "\ncd " + shell_quote(dir.path()) + "\n" + kBashHarness +
                     bash_complete({"agents", "list", "--l"}) +            // the command's flags
                     bash_complete({"--js"}) +                             // global flags anywhere
                     bash_complete({"agents", "list", "--status", "o"}) +  // choices
                     bash_complete({"agents", "list", "--status", "="}) +  // "--status=", split by bash
                     bash_complete({"agents", "list", "--status", "=", "r"}) +
                     bash_complete({"agents", "list", "--status=m"}) +  // not split
                     bash_complete({"--server", "agents", ""}) +        // a value is not a command
                     bash_complete({"--json", "agents", ""}) +          // a switch takes no value
                     bash_complete({"provider-configs", "create", "--file", "configs/d"}) +
                     bash_complete({"completion", ""}) +         // an argument's choices
                     bash_complete({"agents", "command", ""}) +  // the id comes first
                     bash_complete({"--", ""});                  // after --, no commands
  ShellRun r = run_shell(dir, "bash --norc --noprofile", test);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(r.output,
            "agents list --l|--label --limit \n"
            "--js|--json \n"
            "agents list --status o|online offline \n"
            "agents list --status =|=online =missing =offline =revoked \n"
            "agents list --status = r|revoked \n"
            "agents list --status=m|--status=missing \n"
            "--server agents |agents join-token admin-tokens plugins provider-configs ldap-configs pools "
            "autoscale-configs servers workspaces sessions events login logout version completion help \n"
            "--json agents |list show revoke command \n"
            "provider-configs create --file configs/d|configs/dev.json \n"
            "completion |bash zsh \n"
            "agents command | \n"
            "-- | \n");
}

TEST(Completion, BashCompletesTheBrokerCommands) {
  ScratchDir dir;
  dir.write("ts1.rdp", "");
  std::string path = dir.write("corralctl.bash", script("bash"));
  std::string test =
      "source " + shell_quote(path) + "\ncd " + shell_quote(dir.path()) + "\n" + kBashHarness +
      bash_complete({"pools", "create", "lab", "--type", ""}) + bash_complete({"autoscale-configs", ""}) +
      bash_complete({"autoscale-configs", "update", "east", "--p"}) +
      bash_complete({"servers", "create", "--connection", ""}) + bash_complete({"servers", "create", "--pa"}) +
      bash_complete({"workspaces", "create", "w", "--m"}) + bash_complete({"sessions", ""}) +
      bash_complete({"sessions", "list", "--state", ""}) + bash_complete({"sessions", "connect", "se-1", "-o", "ts"}) +
      bash_complete({"sessions", "connect", "se-1", "--f"});
  ShellRun r = run_shell(dir, "bash --norc --noprofile", test);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(r.output,
            "pools create lab --type |server docker-agent \n"
            "autoscale-configs |list show create update delete \n"
            "autoscale-configs update east --p|--pool --provider-config \n"
            "servers create --connection |rdp ssh vnc \n"
            "servers create --pa|--password-stdin \n"
            "workspaces create w --m|--memory \n"
            "sessions |create list show end connect \n"
            "sessions list --state |reserved active ended \n"
            "sessions connect se-1 -o ts|ts1.rdp \n"
            "sessions connect se-1 --f|--force \n");
}

TEST(Completion, ZshParsesRegistersAndWalksTheWords) {
  if (!have("zsh")) GTEST_SKIP() << "zsh is not installed (scripts/dev.sh installs it)";
  ScratchDir dir;
  std::string path = dir.write("_corralctl", script("zsh"));
  ShellRun syntax = run_shell(dir, "zsh -n", script("zsh"));
  EXPECT_EQ(syntax.code, 0) << syntax.output;
  // compinit defines compdef; the script registers itself with it. The walker runs outside a
  // completion too, so what it finds can be printed.
  ShellRun r = run_shell(dir, "HOME=" + shell_quote(dir.path()) + " zsh -f",
                         "autoload -Uz compinit && compinit -u -D\n"
                         "source " +
                             shell_quote(path) +
                             "\n"
                             "print -r -- ${_comps[corralctl]}\n"
                             "words=(corralctl --server x agents command a1 ''); CURRENT=7; __corralctl_locate\n"
                             "print -r -- \"$__corralctl_path|$__corralctl_args|$__corralctl_commands\"\n"
                             "words=(corralctl agents list --status ''); CURRENT=5; __corralctl_locate\n"
                             "print -r -- \"$__corralctl_path|$__corralctl_flag\"\n"
                             "__corralctl_node 'admin-tokens'; print -r -- \"${__corralctl_command_descs[1]}\"\n");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(r.output,
            "_corralctl\n"
            "agents command|1|drain undrain shutdown set-max-sessions logoff\n"
            "agents list|--status\n"
            "create:create an admin token and show it (only this once)\n");
}

TEST(Completion, ShellQuote) {
  EXPECT_EQ(shell_quote("plain"), "'plain'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote(""), "''");
}

}  // namespace
}  // namespace corral::cli
