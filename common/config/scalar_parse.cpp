#include "common/config/scalar_parse.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace corral::config {
namespace {

// Parses the magnitude of an unsigned literal (no sign) in decimal, 0x or 0o form.
ScalarParse parse_magnitude(std::string_view text, uint64_t* out) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'o')) {
    base = text[1] == 'x' ? 16 : 8;
    text.remove_prefix(2);
  }
  if (text.empty()) return ScalarParse::malformed;
  // from_chars would accept a sign of its own; the caller has already taken it.
  if (text[0] == '-' || text[0] == '+') return ScalarParse::malformed;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (end != text.data() + text.size()) return ScalarParse::malformed;
  if (ec == std::errc::result_out_of_range) return ScalarParse::out_of_range;
  if (ec != std::errc()) return ScalarParse::malformed;
  *out = value;
  return ScalarParse::ok;
}

// For a literal that from_chars rejected as out of range: true when it is too small for a double
// rather than too large. Compares the decimal order of magnitude (position of the first non-zero
// digit plus the exponent) with zero.
bool underflows(std::string_view body) {
  size_t e = body.find_first_of("eE");
  std::string_view mantissa = body.substr(0, e);
  int64_t exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view exp_text = body.substr(e + 1);
    bool negative = !exp_text.empty() && exp_text[0] == '-';
    if (!exp_text.empty() && (exp_text[0] == '-' || exp_text[0] == '+')) exp_text.remove_prefix(1);
    for (char c : exp_text) {
      // Saturate: any exponent this large decides the answer by its sign alone.
      if (exponent < 1'000'000'000) exponent = exponent * 10 + (c - '0');
    }
    if (negative) exponent = -exponent;
  }
  size_t point = mantissa.find('.');
  int64_t int_digits = static_cast<int64_t>(point == std::string_view::npos ? mantissa.size() : point);
  int64_t index = 0;  // among digits only, skipping the point
  for (char c : mantissa) {
    if (c == '.') continue;
    if (c != '0') break;
    ++index;
  }
  return int_digits - index - 1 + exponent < 0;
}

bool is_decimal_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

ScalarParse parse_signed(std::string_view text, int64_t min, int64_t max, int64_t* out) {
  bool negative = false;
  std::string_view magnitude_text = text;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    magnitude_text.remove_prefix(1);
    // YAML allows a sign only on decimal integers.
    if (!is_decimal_digits(magnitude_text)) return ScalarParse::malformed;
  }
  uint64_t magnitude = 0;
  ScalarParse r = parse_magnitude(magnitude_text, &magnitude);
  if (r != ScalarParse::ok) return r;
  int64_t value = 0;
  if (negative) {
    // -(INT64_MIN) is not representable, so compare magnitudes as unsigned.
    uint64_t limit = static_cast<uint64_t>(-(min + 1)) + 1;
    if (min >= 0 ? magnitude != 0 : magnitude > limit) return ScalarParse::out_of_range;
    value = magnitude == 0 ? 0 : -static_cast<int64_t>(magnitude - 1) - 1;
  } else {
    if (magnitude > static_cast<uint64_t>(max)) return ScalarParse::out_of_range;
    value = static_cast<int64_t>(magnitude);
  }
  if (value < min || value > max) return ScalarParse::out_of_range;
  *out = value;
  return ScalarParse::ok;
}

ScalarParse parse_unsigned(std::string_view text, uint64_t max, uint64_t* out) {
  if (!text.empty() && text[0] == '+') {
    text.remove_prefix(1);
    if (!is_decimal_digits(text)) return ScalarParse::malformed;
  }
  uint64_t value = 0;
  ScalarParse r = parse_magnitude(text, &value);
  if (r != ScalarParse::ok) return r;
  if (value > max) return ScalarParse::out_of_range;
  *out = value;
  return ScalarParse::ok;
}

ScalarParse parse_double(std::string_view text, double* out) {
  std::string_view body = text;
  bool negative = false;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == ".inf" || body == ".Inf" || body == ".INF") {
    *out = negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return ScalarParse::ok;
  }
  if (text == ".nan" || text == ".NaN" || text == ".NAN") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return ScalarParse::ok;
  }
  // from_chars also takes "inf", "nan" and "infinity", which are strings in YAML: insist on a digit.
  bool has_digit = false;
  for (char c : body) {
    if (c >= '0' && c <= '9') {
      has_digit = true;
    } else if (c != '.' && c != 'e' && c != 'E' && c != '-' && c != '+') {
      return ScalarParse::malformed;
    }
  }
  if (!has_digit || body[0] == '-' || body[0] == '+') return ScalarParse::malformed;
  double value = 0;
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value, std::chars_format::general);
  if (end != body.data() + body.size()) return ScalarParse::malformed;
  // from_chars reports underflow as out of range too; a value too small for a double is just 0.
  if (ec == std::errc::result_out_of_range) {
    if (!underflows(body)) return ScalarParse::out_of_range;
    value = 0;
  } else if (ec != std::errc()) {
    return ScalarParse::malformed;
  } else if (std::isinf(value)) {
    // Only .inf spells infinity; a finite literal that rounds to it is out of range.
    return ScalarParse::out_of_range;
  }
  *out = negative ? -value : value;
  return ScalarParse::ok;
}

ScalarParse parse_float(std::string_view text, float* out) {
  double value = 0;
  ScalarParse r = parse_double(text, &value);
  if (r != ScalarParse::ok) return r;
  if (std::isfinite(value) && std::abs(value) > static_cast<double>(std::numeric_limits<float>::max())) {
    return ScalarParse::out_of_range;
  }
  *out = static_cast<float>(value);
  return ScalarParse::ok;
}

std::optional<bool> parse_bool(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
}

}  // namespace corral::config
