#include "plugins/aws/ini_file.h"

#include <cctype>

namespace corral::aws {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

AwsError at(int line, const std::string& why) { return config_error("line " + std::to_string(line) + ": " + why); }

}  // namespace

Outcome<IniFile> parse_ini(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  IniFile file;
  IniSection* section = nullptr;
  std::string* value = nullptr;  // the value an indented line continues
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    std::string_view line = trim(raw);
    if (line.find('\0') != std::string_view::npos) return at(line_no, "NUL byte");
    if (line.empty() || line.front() == '#' || line.front() == ';') {
      // configparser keeps blank lines inside a continued value, but trims them at its end; a
      // credential never spans lines, so ending the value here changes nothing that matters.
      if (line.empty()) value = nullptr;
      continue;
    }
    if (is_space(raw.front()) && value != nullptr) {
      *value += "\n";
      *value += line;
      continue;
    }
    if (line.front() == '[') {
      size_t close = line.rfind(']');
      if (close == std::string_view::npos) return at(line_no, "section header without ']'");
      std::string name(line.substr(1, close - 1));
      if (name.empty()) return at(line_no, "empty section name");
      auto [it, fresh] = file.try_emplace(name);
      if (!fresh) return at(line_no, "section [" + name + "] appears twice");
      section = &it->second;
      value = nullptr;
      continue;
    }
    size_t delim = line.find_first_of("=:");
    if (delim == std::string_view::npos) return at(line_no, "expected [section] or key = value");
    std::string key = lower(trim(line.substr(0, delim)));
    if (key.empty()) return at(line_no, "empty key");
    if (section == nullptr) return at(line_no, "key before any [section]");
    auto [it, fresh] = section->try_emplace(key, std::string(trim(line.substr(delim + 1))));
    if (!fresh) return at(line_no, "a key appears twice in its section");
    value = &it->second;
  }
  return file;
}

}  // namespace corral::aws
