// Text that came from the network (agent hostnames, versions, labels, the manager's error
// messages) made safe to print on a terminal: control characters are shown, never obeyed, so an
// agent cannot retitle the terminal or forge a table row. table.cpp, the commands' one-line
// messages, run()'s error line and pretty_json() use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace corral::cli {

// The code point starting at TEXT[*pos], advancing *pos past it; nullopt for a byte that does
// not start a well-formed UTF-8 sequence (stray continuation, overlong form, surrogate, beyond
// U+10FFFF, cut short), after which *pos has moved one byte.
std::optional<char32_t> next_code_point(std::string_view text, size_t* pos);

// C0 controls, DEL, C1 controls, and the invisible marks that reorder text (bidi embeddings,
// overrides and isolates, LRM/RLM), which could make one cell look like another.
bool is_control(char32_t c);

// TEXT with every control shown as an escape: \n \r \t, \xNN for other C0 controls, DEL and
// bytes that are not UTF-8, \uNNNN for C1 controls and bidi marks. Everything else, including
// backslashes and non-ASCII letters, is kept as it is.
std::string visible(std::string_view text);

}  // namespace corral::cli
