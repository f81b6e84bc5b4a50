#include "cli/pretty_json.h"

#include "cli/terminal_text.h"

namespace corral::cli {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool is_plain_ascii(char c) { return c >= 0x20 && c < 0x7F; }

// A byte at JSON[*i] that is a control, or starts a non-ASCII sequence: a printable character is
// copied; a control becomes its JSON escape (valid JSON that a terminal cannot obey); bytes that
// are not UTF-8, which JSON cannot hold, become U+FFFD.
void append_unusual(std::string_view json, size_t* i, std::string& out) {
  static const char* const kHex = "0123456789abcdef";
  size_t start = *i;
  auto c = next_code_point(json, i);
  if (!c) {
    out += "\\ufffd";
  } else if (is_control(*c)) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(*c >> shift) & 0xFu];
  } else {
    out.append(json.substr(start, *i - start));
  }
  --*i;  // the caller's loop steps past the last byte
}

}  // namespace

std::string pretty_json(std::string_view json) {
  std::string out;
  out.reserve(json.size() * 2);
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  auto newline = [&] {
    out += '\n';
    out.append(static_cast<size_t>(depth > 0 ? depth : 0) * 2, ' ');
  };

  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (!is_plain_ascii(c) && !(is_space(c) && !in_string)) {
      append_unusual(json, &i, out);
      escaped = false;
      continue;
    }
    if (in_string) {
      out += c;
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (is_space(c)) continue;
    switch (c) {
      case '"':
        in_string = true;
        out += c;
        break;
      case '{':
      case '[': {
        size_t next = i + 1;
        while (next < json.size() && is_space(json[next])) ++next;
        char close = c == '{' ? '}' : ']';
        out += c;
        if (next < json.size() && json[next] == close) {  // "{}" and "[]" stay on one line
          out += close;
          i = next;
        } else {
          ++depth;
          newline();
        }
        break;
      }
      case '}':
      case ']':
        --depth;
        newline();
        out += c;
        break;
      case ',':
        out += c;
        newline();
        break;
      case ':': out += ": "; break;
      default: out += c;
    }
  }
  if (!out.empty()) out += '\n';
  return out;
}

}  // namespace corral::cli
