#include "manager/directory/machine_password.h"

#include <array>
#include <cstdint>

#include "common/encoding.h"

namespace corral::manager::directory {
namespace {

constexpr std::string_view kUpper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
constexpr std::string_view kLower = "abcdefghijkmnopqrstuvwxyz";
constexpr std::string_view kDigits = "23456789";
// No quote, backtick, dollar, backslash, brace, percent, caret, ampersand, pipe, angle bracket,
// semicolon or exclamation mark: the value reaches scripts of several shells.
constexpr std::string_view kSymbols = "-_.:+=@#,~*";

// A uniformly chosen index below N (N < 256), by rejection of the biased top of the byte range.
size_t uniform_index(const RandomBytes& random, size_t n) {
  const size_t limit = 256 - (256 % n);
  while (true) {
    std::string bytes = random(16);
    for (unsigned char b : bytes) {
      if (b < limit) return b % n;
    }
  }
}

char pick(const RandomBytes& random, std::string_view set) { return set[uniform_index(random, set.size())]; }

void append_utf16le(std::string& out, uint32_t unit) {
  out.push_back(static_cast<char>(unit & 0xff));
  out.push_back(static_cast<char>((unit >> 8) & 0xff));
}

}  // namespace

RandomBytes system_random() {
  return [](size_t n) { return random_bytes(n); };
}

std::string generate_machine_password(const RandomBytes& random) {
  const std::array<std::string_view, 4> classes{kUpper, kLower, kDigits, kSymbols};
  const std::string all = std::string(kUpper) + std::string(kLower) + std::string(kDigits) + std::string(kSymbols);
  std::string password;
  for (auto set : classes) password.push_back(pick(random, set));
  while (password.size() < kMachinePasswordLength) password.push_back(pick(random, all));
  // The four guaranteed characters must not always sit in front: a Fisher-Yates shuffle.
  for (size_t i = password.size() - 1; i > 0; --i) {
    std::swap(password[i], password[uniform_index(random, i + 1)]);
  }
  return password;
}

bool meets_ad_complexity(std::string_view password) {
  bool upper = false, lower = false, digit = false, other = false;
  for (unsigned char c : password) {
    if (c >= 'A' && c <= 'Z') {
      upper = true;
    } else if (c >= 'a' && c <= 'z') {
      lower = true;
    } else if (c >= '0' && c <= '9') {
      digit = true;
    } else {
      other = true;
    }
  }
  return password.size() >= 7 && (int(upper) + int(lower) + int(digit) + int(other)) >= 3;
}

Result<std::string> unicode_pwd_value(std::string_view utf8_password) {
  std::string out;
  append_utf16le(out, '"');
  for (size_t i = 0; i < utf8_password.size();) {
    auto c = static_cast<unsigned char>(utf8_password[i]);
    uint32_t cp = 0;
    size_t len = 0;
    if (c < 0x80) {
      cp = c, len = 1;
    } else if ((c & 0xe0) == 0xc0) {
      cp = c & 0x1f, len = 2;
    } else if ((c & 0xf0) == 0xe0) {
      cp = c & 0x0f, len = 3;
    } else if ((c & 0xf8) == 0xf0) {
      cp = c & 0x07, len = 4;
    } else {
      return error(ErrorCode::invalid_argument, "password is not valid UTF-8");
    }
    if (i + len > utf8_password.size()) return error(ErrorCode::invalid_argument, "password is not valid UTF-8");
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(utf8_password[i + k]);
      if ((cc & 0xc0) != 0x80) return error(ErrorCode::invalid_argument, "password is not valid UTF-8");
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr std::array<uint32_t, 5> kMinForLength{0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return error(ErrorCode::invalid_argument, "password is not valid UTF-8");
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      append_utf16le(out, 0xd800 + (cp >> 10));
      append_utf16le(out, 0xdc00 + (cp & 0x3ff));
    } else {
      append_utf16le(out, cp);
    }
    i += len;
  }
  append_utf16le(out, '"');
  return out;
}

}  // namespace corral::manager::directory
