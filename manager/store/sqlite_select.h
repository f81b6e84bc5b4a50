// The row loop the repositories whose lists read child rows share: run a cached statement with
// its text parameters (and a LIMIT as the last one), turning each row into a record. The caller
// holds the read transaction, so the rows and their children come from one snapshot.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "manager/store/sqlite_connection.h"

namespace corral::store {

// READ_ROW(const Statement&) returns Result<Record>. LIMIT binds after PARAMS when positive.
template <typename Record, typename ReadRow>
Result<std::vector<Record>> select_records(SqliteConnection& conn, std::string_view sql, std::string_view op,
                                           const std::vector<std::string>& params, int64_t limit, ReadRow read_row) {
  auto stmt = conn.statement(sql, op);
  if (!stmt.ok()) return stmt.status();
  int index = 1;
  for (const std::string& p : params) stmt->bind_text(index++, p);
  if (limit > 0) stmt->bind_int64(index, limit);
  std::vector<Record> records;
  while (true) {
    auto row = stmt->step();
    if (!row.ok()) return row.status();
    if (!*row) return records;
    Result<Record> record = read_row(*stmt);
    if (!record.ok()) return record.status();
    records.push_back(std::move(*record));
  }
}

}  // namespace corral::store
