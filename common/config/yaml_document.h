// Parses text that must hold at most one YAML document, working around two yaml-cpp 0.7 quirks
// that would otherwise let a bad config through or never return (see the .cpp). Used by the YAML
// loader; a separate unit so the quirks have their own tests.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

#include "common/result.h"

namespace corral::config {

// "at line L, column C" (1-based), or "at end of document" for a mark yaml-cpp left unset.
std::string describe_position(const YAML::Mark& mark);

// The single document in TEXT; a null node when TEXT has none (empty, only comments, or a bare
// "---"). invalid_argument, naming line and column, for malformed YAML, a NUL byte, or a second
// document. Never throws.
Result<YAML::Node> parse_single_document(std::string_view text);

}  // namespace corral::config
