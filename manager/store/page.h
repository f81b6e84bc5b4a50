// Keyset paging for the list calls of the broker's repositories: a page is the records whose id
// comes after a given id, in id order, so a page stays stable while rows are added or removed
// elsewhere (no offsets that shift). The REST API turns next_after_id into its page token.
#pragma once

#include <cstdint>
#include <string>

#include <utility>
#include <vector>
#include "common/result.h"

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

// Calls `each` on every record a paged list(PageRequest) returns, page by page (loading state at
// start). Stops at the first error.
template <typename Record, typename List, typename Each>
Status for_each_page(List list, Each each, uint32_t page_size = 500) {
  PageRequest request{"", page_size};
  while (true) {
    Result<Page<Record>> page = list(request);
    if (!page.ok()) return page.status();
    for (Record& r : page->records) each(std::move(r));
    if (page->next_after_id.empty()) return {};
    request.after_id = page->next_after_id;
  }
}

}  // namespace corral::store
