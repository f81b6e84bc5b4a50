// Shell completion for corralctl, generated from the command tree so that it always offers
// exactly the commands and flags this corralctl has. `corralctl completion bash|zsh` prints it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cli/command_tree.h"

namespace corral::cli {

enum class Shell { bash, zsh };

std::string completion_script(const CommandTree& tree, Shell shell);

// What the scripts are generated from: one node per command or group of the tree.
struct CompletionFlag {
  std::vector<std::string> names;  // "-h", "--help"
  std::string description;
  bool takes_value = false;
  bool files = false;                // the value is a file name
  std::vector<std::string> choices;  // the values it accepts, if it lists them
};

struct CompletionNode {
  std::string path;                                           // "agents list"; "" for corralctl
  std::vector<std::pair<std::string, std::string>> commands;  // name, description
  std::vector<CompletionFlag> flags;  // its own; the root's flags are global and apply everywhere
  size_t positionals_first = 0;       // arguments typed before a command can follow ("agents command ID")
  std::vector<std::vector<std::string>> positional_choices;  // by position; empty: nothing to offer
};

std::vector<CompletionNode> completion_model(const CommandTree& tree);

std::string bash_completion(const std::vector<CompletionNode>& nodes);
std::string zsh_completion(const std::vector<CompletionNode>& nodes);

// S quoted for a POSIX shell: 'it'\''s'.
std::string shell_quote(const std::string& s);

}  // namespace corral::cli
