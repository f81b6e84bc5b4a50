// Text-to-number and text-to-bool conversions for YAML scalars, following the YAML 1.2 core
// schema (so "yes"/"on" are not booleans and "0x1F" is an integer). Used by the YAML loader;
// kept apart so the range rules can be tested without building documents.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace corral::config {

enum class ScalarParse { ok, malformed, out_of_range };

// Decimal with an optional sign, or 0x (hex) / 0o (octal) without one.
ScalarParse parse_signed(std::string_view text, int64_t min, int64_t max, int64_t* out);
// As parse_signed; a leading '-' is malformed (even "-0"), so a negative never slips into an unsigned field.
ScalarParse parse_unsigned(std::string_view text, uint64_t max, uint64_t* out);
// Decimal or exponent notation, plus .inf, -.inf and .nan in their YAML spellings.
ScalarParse parse_double(std::string_view text, double* out);
// As parse_double; a finite value beyond the float range is out_of_range rather than inf.
ScalarParse parse_float(std::string_view text, float* out);
// true/True/TRUE/false/False/FALSE.
std::optional<bool> parse_bool(std::string_view text);

}  // namespace corral::config
