// Re-indents compact JSON for --json output without decoding it, so the manager's answer is
// shown exactly (field names, unknown fields, number spelling), only laid out for reading.
#pragma once

#include <string>
#include <string_view>

namespace corral::cli {

// Two-space indentation, one member or element per line, "key": value, a final newline.
// Strings are kept as sent, except that control characters (C0, DEL, C1, bidi marks) become
// \u escapes, so the output stays JSON with the same meaning and a terminal shows it safely;
// bytes that are not UTF-8 become \ufffd. Input that is not JSON comes out re-spaced, not rejected.
std::string pretty_json(std::string_view json);

}  // namespace corral::cli
