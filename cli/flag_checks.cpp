#include "cli/flag_checks.h"

#include <charconv>

namespace corral::cli {

CLI::Validator number_in(uint64_t min, uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        uint64_t value = 0;
        bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (!digits || ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
          return "'" + text + "' is not a whole number from " + std::to_string(min) + " to " + std::to_string(max);
        }
        return "";
      },
      "");
}

Result<std::pair<std::string, std::string>> parse_label(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos)
    return error(ErrorCode::invalid_argument, "'" + std::string(text) + "' is not KEY=VALUE");
  if (eq == 0) return error(ErrorCode::invalid_argument, "'" + std::string(text) + "' has an empty key");
  return std::make_pair(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
}

CLI::Validator label_check() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        auto label = parse_label(text);
        return label.ok() ? "" : label.status().message();
      },
      "");
}

}  // namespace corral::cli
