#include "manager/directory/hostname_pattern.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/text.h"

namespace corral::manager::directory {
namespace {

constexpr std::string_view kRandomAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

Status check_literal(std::string_view text) {
  for (char c : text) {
    if (!is_name_char(c)) {
      return error(
          ErrorCode::invalid_argument,
          std::string("hostname pattern may hold only letters, digits, '-' and one {random}; found '") + c + "'");
    }
  }
  return Status::ok_status();
}

}  // namespace

Result<HostnamePattern> HostnamePattern::parse(std::string_view pattern) {
  HostnamePattern out;
  auto open = pattern.find('{');
  if (open == std::string_view::npos) {
    out.prefix_ = std::string(pattern);
  } else {
    auto close = pattern.find('}', open);
    if (close == std::string_view::npos)
      return error(ErrorCode::invalid_argument, "hostname pattern has an unclosed '{'");
    auto field = pattern.substr(open + 1, close - open - 1);
    out.prefix_ = std::string(pattern.substr(0, open));
    out.suffix_ = std::string(pattern.substr(close + 1));
    const size_t fixed = out.prefix_.size() + out.suffix_.size();
    if (field == "random") {
      if (fixed >= kMaxNetbiosName) {
        return error(ErrorCode::invalid_argument, "hostname pattern leaves no room for {random} in 15 characters");
      }
      out.random_length_ = kMaxNetbiosName - fixed;
    } else if (field.starts_with("random:")) {
      auto digits = field.substr(7);
      size_t n = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
      if (ec != std::errc() || end != digits.data() + digits.size() || n == 0) {
        return error(ErrorCode::invalid_argument, "hostname pattern: {random:N} needs a positive number N");
      }
      // Bounded here, before any sum: a huge N would wrap the length check below.
      if (n > kMaxNetbiosName) {
        return error(ErrorCode::invalid_argument,
                     "hostname pattern: {random:N} makes names of more than 15 characters");
      }
      out.random_length_ = n;
    } else {
      return error(ErrorCode::invalid_argument, "hostname pattern knows only {random} and {random:N}");
    }
  }
  if (auto s = check_literal(out.prefix_); !s.ok()) return s;
  if (auto s = check_literal(out.suffix_); !s.ok()) return s;
  const size_t length = out.prefix_.size() + out.random_length_ + out.suffix_.size();
  if (length == 0) return error(ErrorCode::invalid_argument, "hostname pattern is empty");
  if (length > kMaxNetbiosName) {
    return error(ErrorCode::invalid_argument, "hostname pattern makes names of " + std::to_string(length) +
                                                  " characters; NetBIOS allows at most 15");
  }
  // Random characters are never '-', so only the literal ends of a name can be.
  const std::string literal = out.prefix_ + out.suffix_;
  const bool begins_with_dash =
      out.prefix_.empty() ? out.random_length_ == 0 && literal.starts_with('-') : out.prefix_.starts_with('-');
  const bool ends_with_dash =
      out.suffix_.empty() ? out.random_length_ == 0 && literal.ends_with('-') : out.suffix_.ends_with('-');
  if (begins_with_dash || ends_with_dash) {
    return error(ErrorCode::invalid_argument, "hostname pattern makes names that begin or end with '-'");
  }
  if (out.random_length_ == 0 && out.prefix_.find_first_not_of("0123456789") == std::string::npos) {
    return error(ErrorCode::invalid_argument, "hostname pattern makes names of digits only");
  }
  return out;
}

std::string HostnamePattern::generate(const RandomBytes& random) const {
  std::string name = prefix_;
  // Random characters never begin or end a name with '-' (the alphabet has none). When the
  // literal parts hold no letter ("{random}", "{random}7", "42-{random:3}") the name could be
  // digits only, which Windows refuses: then its first random character is a letter.
  const std::string literal = prefix_ + suffix_;
  const bool needs_letter =
      std::none_of(literal.begin(), literal.end(), [](unsigned char c) { return std::isalpha(c) != 0; });
  while (name.size() < prefix_.size() + random_length_) {
    std::string bytes = random(32);
    for (unsigned char b : bytes) {
      if (name.size() == prefix_.size() + random_length_) break;
      const size_t n = (needs_letter && name.size() == prefix_.size()) ? 26 : kRandomAlphabet.size();
      const size_t limit = 256 - (256 % n);
      if (b < limit) name.push_back(kRandomAlphabet[b % n]);
    }
  }
  return ascii_lower(name + suffix_);
}

std::string computer_account_name(std::string_view hostname) {
  std::string out;
  for (char c : hostname) out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  return out + "$";
}

}  // namespace corral::manager::directory
