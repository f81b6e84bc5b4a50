// Checks for flag values that several commands share, as CLI11 validators whose messages name
// the value (CLI11 puts the flag's name in front).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace corral::cli {

// A whole number from MIN to MAX, digits only (no sign, no "0x"), checked before CLI11 converts it.
CLI::Validator number_in(uint64_t min, uint64_t max);

// KEY=VALUE (parse_label).
CLI::Validator label_check();

// "KEY=VALUE" split at the first '='; the key must not be empty, the value may be.
Result<std::pair<std::string, std::string>> parse_label(std::string_view text);

}  // namespace corral::cli
