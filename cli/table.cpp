#include "cli/table.h"

#include <algorithm>

namespace corral::cli {
namespace {

// Hostnames and labels may hold UTF-8; padding counts characters, not bytes, so the columns
// stay aligned on a terminal.
size_t display_width(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

void append_row(std::string& out, const std::vector<std::string>& cells, const std::vector<size_t>& widths) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    line += cells[i];
    if (i + 1 < cells.size()) line.append(widths[i] - display_width(cells[i]) + 2, ' ');
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  out += line;
  out += '\n';
}

}  // namespace

std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size(), 0);
  auto widen = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], display_width(cells[i]));
  };
  widen(header);
  for (const auto& row : rows) widen(row);

  std::string out;
  append_row(out, header, widths);
  for (const auto& row : rows) {
    std::vector<std::string> cells = row;
    cells.resize(header.size());
    append_row(out, cells, widths);
  }
  return out;
}

std::string format_key_values(const std::vector<std::pair<std::string, std::string>>& pairs) {
  size_t width = 0;
  for (const auto& [key, value] : pairs) width = std::max(width, display_width(key) + 1);
  std::string out;
  for (const auto& [key, value] : pairs) {
    std::string line = key + ":";
    if (!value.empty()) {
      line.append(width - display_width(key), ' ');  // pads "key:" to WIDTH, then one space
      line += value;
    }
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace corral::cli
