// What the bash and zsh generators share: the nodes' word lists, and the case patterns that say
// which flag takes a value at which command. Internal to completion.
#pragma once

#include <string>
#include <vector>

#include "cli/completion.h"

namespace corral::cli::completion {

// A case pattern matching "PATH FLAG": exact for a command's flag, any path for a global one.
struct ValueRule {
  std::string pattern;
  const CompletionFlag* flag;
};

std::vector<ValueRule> value_rules(const std::vector<CompletionNode>& nodes);

// Names separated by spaces, quoted as one shell word.
std::string quoted_words(const std::vector<std::string>& words);

std::vector<std::string> command_names(const CompletionNode& node);
// The node's own flag names (for the root: the global flags).
std::vector<std::string> flag_names(const CompletionNode& node);

// "case" patterns joined with '|'.
std::string patterns(const std::vector<std::string>& items);

// The shell function `__corralctl_takes_value PATH FLAG` (bash and zsh alike): true when FLAG
// takes a value at PATH.
std::string takes_value_function(const std::vector<ValueRule>& rules);

}  // namespace corral::cli::completion
