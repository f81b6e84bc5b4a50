// Keyset paging for the list calls of the broker's repositories: a page is the records whose id
// comes after a given id, in id order, so a page stays stable while rows are added or removed
// elsewhere (no offsets that shift). The REST API turns next_after_id into its page token.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace corral::store {

struct PageRequest {
  std::string after_id;  // "" = from the first id
  uint32_t size = 0;     // at most this many records; 0 is invalid_argument
};

template <typename Record>
struct Page {
  std::vector<Record> records;
  // The last record's id when more records follow; empty on the last page.
  std::string next_after_id;
};

// From the rows of a query for up to size + 1 records: the extra row only says that more follow.
template <typename Record>
Page<Record> make_page(std::vector<Record> rows, uint32_t size) {
  Page<Record> page;
  if (rows.size() > size) {
    rows.resize(size);
    page.next_after_id = rows.back().id;
  }
  page.records = std::move(rows);
  return page;
}

}  // namespace corral::store
