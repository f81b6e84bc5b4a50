// corralctl completion bash|zsh: the shell completion script, generated from this command tree.
#include "cli/completion.h"

#include "cli/commands/commands.h"

namespace corral::cli {

void add_completion_command(CommandTree& tree) {
  auto shell = std::make_shared<std::string>();
  CLI::App* completion =
      tree.add_command(tree.root(), "completion", "print the shell completion script for bash or zsh",
                       {Connects::never, [&tree, shell](Session& s) {
                          s.output.out << completion_script(tree, *shell == "zsh" ? Shell::zsh : Shell::bash);
                          return Status();
                        }});
  tree.choices(completion->add_option("SHELL", *shell, "the shell")->required(), {"bash", "zsh"});
  completion->footer(
      "bash: source <(corralctl completion bash), or save it as /etc/bash_completion.d/corralctl\n"
      "zsh:  source <(corralctl completion zsh) after compinit, or save it as _corralctl in a $fpath directory");
}

}  // namespace corral::cli
