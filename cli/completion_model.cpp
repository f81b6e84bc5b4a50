#include "cli/completion.h"

namespace corral::cli {
namespace {

void add_node(const CommandTree& tree, const CLI::App& app, std::vector<CompletionNode>& nodes) {
  CompletionNode node;
  node.path = command_path(app);
  for (const auto* sub : subcommands_of(app)) node.commands.emplace_back(sub->get_name(), sub->get_description());

  const bool is_root = app.get_parent() == nullptr;
  for (const CLI::Option* option : app.get_options()) {
    // Every command has -h/--help; it is offered once, with the root's global flags.
    if (option == app.get_help_ptr() && !is_root) continue;
    if (!option->nonpositional()) {
      if (option->get_required() && !node.commands.empty()) ++node.positionals_first;
      const auto* choices = tree.choices_of(*option);
      node.positional_choices.push_back(choices ? *choices : std::vector<std::string>{});
      continue;
    }
    CompletionFlag flag;
    for (const auto& name : option->get_snames()) flag.names.push_back("-" + name);
    for (const auto& name : option->get_lnames()) flag.names.push_back("--" + name);
    flag.description = option->get_description();
    flag.takes_value = option->get_items_expected_max() > 0;
    flag.files = tree.is_file(*option);
    if (const auto* choices = tree.choices_of(*option)) flag.choices = *choices;
    node.flags.push_back(std::move(flag));
  }
  nodes.push_back(std::move(node));
  for (const auto* sub : subcommands_of(app)) add_node(tree, *sub, nodes);
}

}  // namespace

std::vector<CompletionNode> completion_model(const CommandTree& tree) {
  std::vector<CompletionNode> nodes;
  add_node(tree, tree.root(), nodes);
  return nodes;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string completion_script(const CommandTree& tree, Shell shell) {
  auto nodes = completion_model(tree);
  return shell == Shell::bash ? bash_completion(nodes) : zsh_completion(nodes);
}

}  // namespace corral::cli
