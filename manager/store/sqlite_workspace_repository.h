// WorkspaceRepository on the SQLite connection: workspaces in `workspaces`, include and exclude
// labels in `workspace_labels` (schema in sqlite_migrations.cpp, migration 6).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manager/store/sqlite_connection.h"
#include "manager/store/workspace_repository.h"

namespace corral::store {

class SqliteWorkspaceRepository final : public WorkspaceRepository {
 public:
  explicit SqliteWorkspaceRepository(SqliteConnection& conn) : conn_(conn) {}

  Status insert(const WorkspaceRecord& workspace) override;
  Result<std::optional<WorkspaceRecord>> get(const std::string& id) override;
  Result<std::optional<WorkspaceRecord>> get_by_name(const std::string& name) override;
  Result<Page<WorkspaceRecord>> list(const WorkspaceFilter& filter, const PageRequest& page) override;
  Result<UpdateOutcome> update(const WorkspaceRecord& workspace, uint64_t expected_revision) override;
  Result<RemoveOutcome> remove(const std::string& id) override;

 private:
  // The workspaces `sql` selects with `params` bound to ?1, ?2... in order (an int64 last when
  // `limit` > 0), with their labels.
  Result<std::vector<WorkspaceRecord>> select(std::string_view sql, const std::vector<std::string>& params,
                                              int64_t limit);
  Result<std::optional<WorkspaceRecord>> select_one(std::string_view sql, const std::string& key);
  Status write_labels(const WorkspaceRecord& workspace);

  SqliteConnection& conn_;
};

}  // namespace corral::store
