// Fuzzes the startup-script template engine: no input may crash or hang it, every error names its
// line and column, a template without variables renders to its text with doubled braces undone,
// and validation against no variables reports each use of one.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "corral/sdk/template.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<corral::sdk::TemplateError> errors;
  corral::sdk::Template t = corral::sdk::Template::parse(text, &errors);
  for (const auto& e : errors) {
    FUZZ_CHECK(e.line >= 1 && e.column >= 1);
    FUZZ_CHECK(e.message.rfind("line " + std::to_string(e.line) + ", column " + std::to_string(e.column) + ": ", 0) == 0);
  }
  if (!errors.empty()) return 0;

  auto unknown = t.validate({});
  FUZZ_CHECK(unknown.empty() == t.variables().empty());
  std::map<std::string, std::string> values;
  for (const auto& v : t.variables()) values[v] = "";
  std::string rendered = t.render(values);
  if (t.variables().empty()) {
    std::string expected;
    for (size_t i = 0; i < text.size(); ++i) {
      expected += text[i];
      if ((text[i] == '{' || text[i] == '}') && i + 1 < text.size() && text[i + 1] == text[i]) ++i;
    }
    FUZZ_CHECK(rendered == expected);
  }
  FUZZ_CHECK(rendered.size() <= text.size());
  return 0;
}
