#include "cli/completion_rules.h"

namespace corral::cli::completion {

std::vector<ValueRule> value_rules(const std::vector<CompletionNode>& nodes) {
  std::vector<ValueRule> rules;
  // Commands' own flags first: case takes the first match, and a command's flag is more specific.
  for (const auto& node : nodes) {
    if (node.path.empty()) continue;
    for (const auto& flag : node.flags) {
      if (!flag.takes_value) continue;
      for (const auto& name : flag.names) rules.push_back({shell_quote(node.path + " " + name), &flag});
    }
  }
  for (const auto& node : nodes) {
    if (!node.path.empty()) continue;
    for (const auto& flag : node.flags) {
      if (!flag.takes_value) continue;
      for (const auto& name : flag.names) rules.push_back({"*" + shell_quote(" " + name), &flag});
    }
  }
  return rules;
}

std::string quoted_words(const std::vector<std::string>& words) {
  std::string joined;
  for (const auto& w : words) joined += (joined.empty() ? "" : " ") + w;
  return shell_quote(joined);
}

std::vector<std::string> command_names(const CompletionNode& node) {
  std::vector<std::string> names;
  for (const auto& [name, description] : node.commands) names.push_back(name);
  return names;
}

std::vector<std::string> flag_names(const CompletionNode& node) {
  std::vector<std::string> names;
  for (const auto& flag : node.flags) names.insert(names.end(), flag.names.begin(), flag.names.end());
  return names;
}

std::string patterns(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : "|") + item;
  return out;
}

std::string takes_value_function(const std::vector<ValueRule>& rules) {
  std::vector<std::string> all;
  all.reserve(rules.size());
  for (const auto& rule : rules) all.push_back(rule.pattern);
  std::string out = "__corralctl_takes_value() {\n  case \"$1 $2\" in\n";
  if (!all.empty()) out += "    " + patterns(all) + ") return 0 ;;\n";
  out += "  esac\n  return 1\n}\n\n";
  return out;
}

}  // namespace corral::cli::completion
