#include "cli/terminal_text.h"

namespace corral::cli {
namespace {

// PREFIX, then VALUE as DIGITS lowercase hex digits (\x1b, \u009b).
void append_escape(std::string& out, const char* prefix, unsigned value, int digits) {
  static const char* const kHex = "0123456789abcdef";
  out += prefix;
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out += kHex[(value >> shift) & 0xFu];
}

}  // namespace

std::optional<char32_t> next_code_point(std::string_view text, size_t* pos) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  size_t i = *pos;
  unsigned char lead = byte(i);
  *pos = i + 1;
  if (lead < 0x80) return lead;

  size_t length;
  char32_t c;
  char32_t min;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, c = lead & 0x1Fu, min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, c = lead & 0x0Fu, min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, c = lead & 0x07u, min = 0x10000;
  } else {
    return std::nullopt;  // a continuation byte, or a lead byte only overlong forms use
  }
  if (i + length > text.size()) return std::nullopt;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return std::nullopt;
    c = (c << 6) | (byte(i + k) & 0x3Fu);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return std::nullopt;
  *pos = i + length;
  return c;
}

bool is_control(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}

std::string visible(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = pos;
    auto c = next_code_point(text, &pos);
    if (!c) {
      append_escape(out, "\\x", static_cast<unsigned char>(text[start]), 2);
    } else if (!is_control(*c)) {
      out.append(text.substr(start, pos - start));
    } else if (*c == '\n') {
      out += "\\n";
    } else if (*c == '\r') {
      out += "\\r";
    } else if (*c == '\t') {
      out += "\\t";
    } else if (*c <= 0x7F) {
      append_escape(out, "\\x", static_cast<unsigned>(*c), 2);
    } else {
      append_escape(out, "\\u", static_cast<unsigned>(*c), 4);
    }
  }
  return out;
}

}  // namespace corral::cli
