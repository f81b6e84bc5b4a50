// Startup-script templates: `{name}` is replaced by the variable's value, `{{` and `}}` stand for
// literal braces, and anything else involving a brace is an error with its line and column.
// Templates are checked when a provider config is saved (parse, then validate against the
// variables the manager and the plugin offer) and rendered when a VM is created.
//
// A variable name is [A-Za-z_][A-Za-z0-9_]* and never spans lines. Errors: a lone `}`, a `{`
// not closed on its line (or before the next `{`), an invalid name (`{}`, `{ x}`, `{a-b}`), and,
// from validate(), a variable that is not offered (with a suggestion when one is close).
//
// Lines and columns are 1-based and count bytes, not characters (a UTF-8 "é" is two columns);
// a CR before LF is part of the line end, not a column. Values are inserted verbatim, with no
// escaping and no second pass (a value containing `{x}` stays `{x}`): the template decides the
// quoting for its script language (PowerShell or bash), so write `'{connection_password}'` where
// a literal string is meant. Parsing is one pass, linear in the text, with no recursion.
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "corral/sdk/detail/template_parser.h"

namespace corral::sdk {

struct TemplateError {
  int line = 0;
  int column = 0;
  std::string message;  // "line 3, column 14: unknown variable 'joun_token' ..."
};

class Template {
 public:
  // Parses `text`. Every syntax error (unterminated `{`, lone `}`, an invalid name) is appended
  // to `errors` (which may be null to ignore them) in text order; the returned template is only
  // usable when there are none.
  static Template parse(std::string_view text, std::vector<TemplateError>* errors) {
    template_detail::Parsed parsed = template_detail::parse(text);
    if (errors != nullptr) {
      for (template_detail::SyntaxError& e : parsed.errors) {
        std::string at = "line " + std::to_string(e.line) + ", column " + std::to_string(e.column) + ": ";
        errors->push_back({e.line, e.column, at + e.what});
      }
    }
    Template t;
    t.parts_ = std::move(parsed.parts);
    t.variables_ = std::move(parsed.variables);
    return t;
  }

  // Variables used, each once, in order of first use.
  const std::vector<std::string>& variables() const { return variables_; }

  // Every use (not only the first) of a variable not in `allowed`, in text order, with its
  // position and a "did you mean" when an allowed name is a small edit away.
  std::vector<TemplateError> validate(const std::set<std::string>& allowed) const {
    std::vector<TemplateError> out;
    for (const Part& p : parts_) {
      if (!p.variable || allowed.count(p.text)) continue;
      std::string message = "line " + std::to_string(p.line) + ", column " + std::to_string(p.column) +
                            ": unknown variable '" + template_detail::name_for_message(p.text) + "'";
      std::string near = closest(p.text, allowed);
      if (!near.empty()) message += " (did you mean '" + near + "'?)";
      out.push_back({p.line, p.column, std::move(message)});
    }
    return out;
  }

  // Substitutes every variable. Call it on a template parsed without errors and validated against
  // the names `values` provides; a variable without a value still throws std::invalid_argument
  // naming it rather than rendering a script with a hole. Values not used are ignored.
  std::string render(const std::map<std::string, std::string>& values) const {
    std::string out;
    for (const Part& p : parts_) {
      if (!p.variable) {
        out += p.text;
        continue;
      }
      auto it = values.find(p.text);
      if (it == values.end()) {
        std::string name = template_detail::name_for_message(p.text);
        throw std::invalid_argument("no value for template variable '" + name + "'");
      }
      out += it->second;
    }
    return out;
  }

 private:
  using Part = template_detail::Part;

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
