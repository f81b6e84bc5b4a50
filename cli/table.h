// Plain-text layout for corralctl's human output: column tables (agents list) and aligned
// "key: value" blocks (agents show, join-token create). format.cpp fills them.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace corral::cli {

// Columns left-aligned, two spaces apart, no trailing spaces; one line per row after HEADER.
std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// "key:   value" lines with the values aligned.
std::string format_key_values(const std::vector<std::pair<std::string, std::string>>& pairs);

}  // namespace corral::cli
