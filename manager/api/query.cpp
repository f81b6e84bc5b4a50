#include "manager/api/query.h"

#include <charconv>

namespace corral::manager::api {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  for (unsigned char ch : out) {
    if (ch < 0x20 || ch == 0x7f) return std::nullopt;
  }
  return out;
}

Result<QueryParams> QueryParams::parse(std::string_view query) {
  QueryParams q;
  size_t i = 0;
  while (i < query.size()) {
    size_t j = query.find('&', i);
    if (j == std::string_view::npos) j = query.size();
    std::string_view pair = query.substr(i, j - i);
    i = j + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!name || !value || name->empty()) {
      return error(ErrorCode::invalid_argument, "malformed query parameter '" + std::string(pair.substr(0, 64)) + "'");
    }
    q.entries_.push_back({std::move(*name), std::move(*value)});
  }
  return q;
}

std::optional<std::string> QueryParams::take(std::string_view name) {
  std::optional<std::string> out;
  for (Entry& e : entries_) {
    if (e.name != name) continue;
    e.taken = true;
    out = e.value;
  }
  return out;
}

std::vector<std::string> QueryParams::take_all(std::string_view name) {
  std::vector<std::string> out;
  for (Entry& e : entries_) {
    if (e.name != name) continue;
    e.taken = true;
    out.push_back(e.value);
  }
  return out;
}

Result<uint32_t> QueryParams::take_uint(std::string_view name, uint32_t fallback, uint32_t min, uint32_t max) {
  std::optional<std::string> text = take(name);
  if (!text) return fallback;
  std::string_view digits = *text;
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec == std::errc() && end == digits.data() + digits.size() && v >= min && v <= max) return v;
  std::string message = "query parameter ";
  message.append(name)
      .append(" must be a whole number from ")
      .append(std::to_string(min))
      .append(" to ")
      .append(std::to_string(max))
      .append(", got '")
      .append(digits.substr(0, 32))
      .append("'");
  return error(ErrorCode::invalid_argument, std::move(message));
}

Status QueryParams::check_all_taken() const {
  for (const Entry& e : entries_) {
    if (!e.taken) return error(ErrorCode::invalid_argument, "unknown query parameter '" + e.name.substr(0, 64) + "'");
  }
  return {};
}

}  // namespace corral::manager::api
