// Fuzzes the two texts of an LDAP config that the directory module parses: its URL and its
// hostname pattern. The first byte picks which. No input may crash either; a URL that parses has a
// host and a port in range; a pattern that parses makes NetBIOS-safe names: 1-15 letters, digits
// and '-', neither starting nor ending with '-', not all digits.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "manager/directory/hostname_pattern.h"
#include "manager/directory/ldap_url.h"
#include "tests/fuzz/fuzz_check.h"

namespace dir = corral::manager::directory;

namespace {

void check_name(const std::string& name) {
  FUZZ_CHECK(!name.empty() && name.size() <= dir::kMaxNetbiosName);
  FUZZ_CHECK(name.front() != '-' && name.back() != '-');
  bool all_digits = true;
  for (char c : name) {
    bool digit = c >= '0' && c <= '9';
    FUZZ_CHECK(digit || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-');
    all_digits = all_digits && digit;
  }
  FUZZ_CHECK(!all_digits);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    auto url = dir::parse_ldap_url(text);
    if (url.ok()) {
      FUZZ_CHECK(!url->host.empty());
      FUZZ_CHECK(url->port >= 1 && url->port <= 65535);
    }
    return 0;
  }
  auto pattern = dir::HostnamePattern::parse(text);
  if (!pattern.ok()) return 0;
  // Random bytes of every value, so every choice of character is reached.
  uint8_t next = data[0];
  dir::RandomBytes random = [&next](size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(next += 37));
    return out;
  };
  check_name(pattern->generate(random));
  check_name(pattern->generate(random));
  return 0;
}
