#include "common/text.h"

#include <cstdint>
#include <cstdio>

namespace corral {
namespace {

struct Decoded {
  char32_t code_point = 0;
  size_t length = 0;  // 0: not valid UTF-8 at this position
};

// RFC 3629: the shortest form only, no surrogates, nothing past U+10FFFF.
Decoded decode_utf8(std::string_view s, size_t at) {
  auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  uint8_t lead = byte(at);
  if (lead < 0x80) return {lead, 1};
  size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
  if (length == 0 || lead > 0xF4 || at + length > s.size()) return {};
  char32_t cp = lead & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) {
    uint8_t next = byte(at + i);
    if ((next & 0xC0) != 0x80) return {};
    cp = (cp << 6) | (next & 0x3F);
  }
  static constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kSmallest[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {};
  return {cp, length};
}

bool is_refused(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

Status check_printable(std::string_view value, std::string_view field, size_t max_len) {
  const std::string name(field);
  if (value.size() > max_len) {
    return error(ErrorCode::invalid_argument,
                 name + " is " + std::to_string(value.size()) + " bytes, over the limit of " + std::to_string(max_len));
  }
  for (size_t at = 0; at < value.size();) {
    Decoded d = decode_utf8(value, at);
    if (d.length == 0) {
      return error(ErrorCode::invalid_argument, name + " is not valid UTF-8 (at byte " + std::to_string(at) + ")");
    }
    if (is_refused(d.code_point)) {
      char code[16];
      std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(d.code_point));
      return error(ErrorCode::invalid_argument,
                   name + " contains control character " + code + " (at byte " + std::to_string(at) + ")");
    }
    at += d.length;
  }
  return {};
}

std::string sanitize_printable(std::string_view value, size_t max_len) {
  std::string out;
  for (size_t at = 0; at < value.size();) {
    Decoded d = decode_utf8(value, at);
    bool keep = d.length > 0 && !is_refused(d.code_point);
    if (out.size() + (keep ? d.length : 1) > max_len) break;
    if (keep) {
      out.append(value.substr(at, d.length));
    } else {
      out.push_back('?');
    }
    // A refused character is one '?'; an invalid byte is one '?' and decoding resumes after it.
    at += d.length > 0 ? d.length : 1;
  }
  return out;
}

std::string_view trim_whitespace(std::string_view value) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t first = value.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return value.substr(first, value.find_last_not_of(kSpace) - first + 1);
}

std::string ascii_lower(std::string_view value) {
  std::string out(value);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

}  // namespace corral
