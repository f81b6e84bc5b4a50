// corralctl help [COMMAND...]: the same text as `corralctl COMMAND... --help`.
#include "cli/commands/commands.h"

namespace corral::cli {

void add_help_command(CommandTree& tree) {
  auto path = std::make_shared<std::vector<std::string>>();
  tree.add_command(tree.root(), "help", "show the help of corralctl or of a command",
                   {Connects::never,
                    [&tree, path](Session& s) -> Status {
                      auto text = tree.help_for(*path);
                      if (!text.ok()) return text.status();
                      s.output.out << *text;
                      return {};
                    }})
      ->add_option_function<std::vector<std::string>>(
          "COMMAND",
          [&tree, path](const std::vector<std::string>& words) {
            // Checked while parsing, so an unknown command is a usage error like any other.
            auto text = tree.help_for(words);
            if (!text.ok()) throw CLI::ValidationError("COMMAND", text.status().message());
            *path = words;
          },
          "a command, as in `corralctl help agents list`");
}

}  // namespace corral::cli
