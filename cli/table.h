// Plain-text layout for corralctl's human output: column tables (agents list) and aligned
// "key: value" blocks (agents show, join-token create). format.cpp and the commands fill them.
// Every cell, key and value is passed through visible() first: whatever an agent reports, a
// cell stays one cell on one line.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace corral::cli {

using Row = std::vector<std::string>;

// Columns left-aligned, two spaces apart, no trailing spaces; one line per row after HEADER.
std::string format_table(const Row& header, const std::vector<Row>& rows);

// A table printed in pieces as its rows arrive (pages of agents): the header comes with the
// first piece, and a column only ever widens, so later rows stay readable under the header
// without knowing the rows still to come. One piece is exactly format_table().
class TableStream {
 public:
  explicit TableStream(const Row& header);
  // The text for ROWS, preceded by the header the first time.
  std::string add(const std::vector<Row>& rows);

 private:
  Row header_;
  std::vector<size_t> widths_;
  bool header_printed_ = false;
};

// "key:   value" lines with the values aligned.
std::string format_key_values(const std::vector<std::pair<std::string, std::string>>& pairs);

}  // namespace corral::cli
