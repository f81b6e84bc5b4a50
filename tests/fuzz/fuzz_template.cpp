// Fuzzes the startup-script template engine: no input may crash or hang it, every error names its
// line and column (in text order), a template without variables renders to its text with doubled
// braces undone, and validation reports each use of a variable not offered and nothing else.
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "corral/sdk/template.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<corral::sdk::TemplateError> errors;
  corral::sdk::Template t = corral::sdk::Template::parse(text, &errors);
  std::pair<int, int> previous = {0, 0};
  for (const auto& e : errors) {
    FUZZ_CHECK(e.line >= 1 && e.column >= 1);
    FUZZ_CHECK(std::make_pair(e.line, e.column) > previous);
    previous = {e.line, e.column};
    FUZZ_CHECK(e.message.rfind("line " + std::to_string(e.line) + ", column " + std::to_string(e.column) + ": ", 0) ==
               0);
    // The brace it points at: count lines and columns as documented.
    int line = 1;
    int column = 1;
    size_t i = 0;
    for (; i < text.size() && (line != e.line || column != e.column); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else if (text[i] != '\r' || i + 1 >= text.size() || text[i + 1] != '\n') {
        ++column;
      }
    }
    FUZZ_CHECK(i < text.size() && (text[i] == '{' || text[i] == '}'));
  }
  if (!errors.empty()) return 0;

  const auto& variables = t.variables();
  FUZZ_CHECK(std::set<std::string>(variables.begin(), variables.end()).size() == variables.size());
  FUZZ_CHECK(t.validate({variables.begin(), variables.end()}).empty());
  auto unknown = t.validate({});
  FUZZ_CHECK(unknown.size() >= variables.size());
  std::map<std::string, std::string> values;
  for (const auto& v : variables) values[v] = "";
  std::string rendered = t.render(values);
  if (variables.empty()) {
    std::string expected;
    for (size_t i = 0; i < text.size(); ++i) {
      expected += text[i];
      if ((text[i] == '{' || text[i] == '}') && i + 1 < text.size() && text[i + 1] == text[i]) ++i;
    }
    FUZZ_CHECK(rendered == expected);
  }
  // Each use of a variable is "{name}": with every value "{name}" again, the text comes back
  // with only the doubled braces undone, so nothing is lost or duplicated.
  for (const auto& v : variables) values[v] = "{" + v + "}";
  std::string round_trip = t.render(values);
  size_t doubled = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if ((text[i] == '{' || text[i] == '}') && text[i + 1] == text[i]) {
      ++doubled;
      ++i;
    }
  }
  FUZZ_CHECK(round_trip.size() + doubled == text.size());
  FUZZ_CHECK(rendered.size() <= text.size());
  return 0;
}
