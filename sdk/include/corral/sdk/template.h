// Startup-script templates: `{name}` is replaced by the variable's value, `{{` and `}}` stand for
// literal braces, and anything else involving a brace is an error with its line and column.
// Templates are checked when a provider config is saved (parse, then validate against the
// variables the manager and the plugin offer) and rendered when a VM is created.
//
// Lines and columns are 1-based and count bytes; a CR before LF is part of the line end. Values
// are inserted verbatim: the template decides the quoting for its script language (PowerShell or
// bash), so write `'{connection_password}'` where a literal string is meant. Parsing is one pass,
// linear in the text, with no recursion.
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace corral::sdk {

struct TemplateError {
  int line = 0;
  int column = 0;
  std::string message;  // "line 3, column 14: unknown variable 'joun_token' ..."
};

class Template {
 public:
  // Parses `text`. Syntax errors (unterminated `{`, lone `}`, an invalid name) are appended to
  // `errors`; the returned template is only usable when there are none.
  static Template parse(std::string_view text, std::vector<TemplateError>* errors) {
    Template t;
    int line = 1;
    int column = 1;
    std::string literal;
    auto advance = [&](char c) {
      if (c == '\n') {
        ++line;
        column = 1;
      } else if (c != '\r') {
        ++column;
      }
    };
    auto error = [&](int l, int c, const std::string& what) {
      errors->push_back({l, c, "line " + std::to_string(l) + ", column " + std::to_string(c) + ": " + what});
    };
    size_t i = 0;
    while (i < text.size()) {
      char c = text[i];
      if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
        literal += '{';
        advance(c);
        advance(c);
        i += 2;
      } else if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
        literal += '}';
        advance(c);
        advance(c);
        i += 2;
      } else if (c == '}') {
        error(line, column, "'}' without a matching '{' (write '}}' for a literal brace)");
        advance(c);
        ++i;
      } else if (c == '{') {
        size_t close = text.find_first_of("}{\n", i + 1);
        if (close == std::string_view::npos || text[close] != '}') {
          error(line, column, "'{' is not closed on this line (write '{{' for a literal brace)");
          advance(c);
          ++i;
          continue;
        }
        std::string name(text.substr(i + 1, close - i - 1));
        if (!valid_name(name)) {
          error(line, column, "'{" + name + "}' is not a variable name (letters, digits and '_', not starting with a digit; "
                              "write '{{' for a literal brace)");
        } else {
          if (!literal.empty()) t.parts_.push_back({false, std::move(literal), 0, 0});
          literal.clear();
          t.parts_.push_back({true, name, line, column});
          bool seen = false;
          for (const auto& v : t.variables_) seen = seen || v == name;
          if (!seen) t.variables_.push_back(name);
        }
        for (size_t k = i; k <= close; ++k) advance(text[k]);
        i = close + 1;
      } else {
        literal += c;
        advance(c);
        ++i;
      }
    }
    if (!literal.empty()) t.parts_.push_back({false, std::move(literal), 0, 0});
    return t;
  }

  // Variables used, each once, in order of first use.
  const std::vector<std::string>& variables() const { return variables_; }

  // Every use of a variable not in `allowed`, with its position.
  std::vector<TemplateError> validate(const std::set<std::string>& allowed) const {
    std::vector<TemplateError> out;
    for (const Part& p : parts_) {
      if (!p.variable || allowed.count(p.text)) continue;
      std::string message = "line " + std::to_string(p.line) + ", column " + std::to_string(p.column) +
                            ": unknown variable '" + p.text + "'";
      std::string near = closest(p.text, allowed);
      if (!near.empty()) message += " (did you mean '" + near + "'?)";
      out.push_back({p.line, p.column, std::move(message)});
    }
    return out;
  }

  // Substitutes every variable. Throws std::invalid_argument naming a variable without a value.
  std::string render(const std::map<std::string, std::string>& values) const {
    std::string out;
    for (const Part& p : parts_) {
      if (!p.variable) {
        out += p.text;
        continue;
      }
      auto it = values.find(p.text);
      if (it == values.end()) throw std::invalid_argument("no value for template variable '" + p.text + "'");
      out += it->second;
    }
    return out;
  }

 private:
  struct Part {
    bool variable;
    std::string text;  // literal text, or the variable's name
    int line;
    int column;
  };

  static bool valid_name(const std::string& name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
    for (char c : name) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      if (!ok) return false;
    }
    return true;
  }

  // The allowed name closest to `name` (edit distance at most 2, and under a third of its length,
  // so short names get no far-fetched suggestion), if any.
  static std::string closest(const std::string& name, const std::set<std::string>& allowed) {
    std::string best;
    size_t best_distance = std::min<size_t>(3, (name.size() + 2) / 3);
    for (const std::string& candidate : allowed) {
      size_t d = distance(name, candidate, best_distance);
      if (d < best_distance) {
        best_distance = d;
        best = candidate;
      }
    }
    return best;
  }

  static size_t distance(const std::string& a, const std::string& b, size_t cap) {
    if ((a.size() > b.size() ? a.size() - b.size() : b.size() - a.size()) >= cap) return cap;
    std::vector<size_t> prev(b.size() + 1);
    std::vector<size_t> cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
        cur[j] = std::min(std::min(prev[j] + 1, cur[j - 1] + 1), sub);
      }
      prev.swap(cur);
    }
    return prev[b.size()];
  }

  std::vector<Part> parts_;
  std::vector<std::string> variables_;
};

}  // namespace corral::sdk
