#include "cli/table.h"

#include <algorithm>

#include "cli/terminal_text.h"

namespace corral::cli {
namespace {

// Hostnames and labels may hold UTF-8; padding counts characters, not bytes, so the columns
// stay aligned on a terminal. Cells are visible() already, so every byte is part of a printable
// character.
size_t display_width(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

Row visible_cells(const Row& cells, size_t columns) {
  Row out;
  out.reserve(columns);
  for (size_t i = 0; i < columns; ++i) out.push_back(i < cells.size() ? visible(cells[i]) : std::string());
  return out;
}

void widen(std::vector<size_t>& widths, const Row& cells) {
  for (size_t i = 0; i < cells.size() && i < widths.size(); ++i)
    widths[i] = std::max(widths[i], display_width(cells[i]));
}

void append_row(std::string& out, const Row& cells, const std::vector<size_t>& widths) {
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

TableStream::TableStream(const Row& header)
    : header_(visible_cells(header, header.size())), widths_(header_.size(), 0) {
  widen(widths_, header_);
}

std::string TableStream::add(const std::vector<Row>& rows) {
  std::vector<Row> cells;
  cells.reserve(rows.size());
  for (const auto& row : rows) {
    cells.push_back(visible_cells(row, header_.size()));
    widen(widths_, cells.back());
  }
  std::string out;
  if (!header_printed_) {
    append_row(out, header_, widths_);
    header_printed_ = true;
  }
  for (const auto& row : cells) append_row(out, row, widths_);
  return out;
}

std::string format_table(const Row& header, const std::vector<Row>& rows) { return TableStream(header).add(rows); }

std::string format_key_values(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::vector<std::pair<std::string, std::string>> shown;
  size_t width = 0;
  for (const auto& [key, value] : pairs) {
    shown.emplace_back(visible(key), visible(value));
    width = std::max(width, display_width(shown.back().first) + 1);
  }
  std::string out;
  for (const auto& [key, value] : shown) {
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
