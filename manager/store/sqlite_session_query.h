// Reading sessions on the SQLite connection: the column list every session SELECT uses, the
// row reader, and the SELECT for a SessionFilter (the filters that are set, and nothing else, so
// each combination keeps its own cached statement and its index).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "manager/store/session_repository.h"
#include "manager/store/sqlite_connection.h"

namespace corral::store {

// "SELECT <every column> FROM sessions " followed by `rest`.
std::string select_sessions(std::string_view rest);

// Every row `stmt` returns (it selects the columns of select_sessions()).
Result<std::vector<SessionRecord>> read_sessions(Statement& stmt);

// One page of the sessions `filter` matches after `after_id`, up to `limit` rows, in id order.
struct SessionQuery {
  std::string sql;
  std::vector<std::string> text_params;  // ?1, ?2... in order; the limit is bound after them
};
SessionQuery session_page_query(const SessionFilter& filter, const std::string& after_id);

}  // namespace corral::store
