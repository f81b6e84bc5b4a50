#include "manager/store/sqlite_workspace_repository.h"

#include "manager/store/broker_validation.h"
#include "manager/store/sqlite_select.h"
#include "manager/store/sqlite_string_sets.h"

namespace corral::store {

namespace {

constexpr const char* kColumns =
    "SELECT id, name, pool_id, enabled, cores_milli, memory_bytes, gpus, created_at, updated_at, revision "
    "FROM workspaces ";
constexpr const char* kInsert =
    "INSERT INTO workspaces (id, name, pool_id, enabled, cores_milli, memory_bytes, gpus, updated_at, created_at, "
    "revision) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1)";
// The revision check and the write are one statement (see SqlitePoolRepository).
constexpr const char* kCompareAndSet =
    "UPDATE workspaces SET name = ?2, pool_id = ?3, enabled = ?4, cores_milli = ?5, memory_bytes = ?6, gpus = ?7, "
    "updated_at = ?8, revision = ?9 + 1 WHERE id = ?1 AND revision = ?9";
constexpr const char* kDeleteLabels = "DELETE FROM workspace_labels WHERE workspace_id = ?1";
constexpr const char* kInsertInclude =
    "INSERT INTO workspace_labels (workspace_id, kind, label) VALUES (?1, 'include', ?2)";
constexpr const char* kInsertExclude =
    "INSERT INTO workspace_labels (workspace_id, kind, label) VALUES (?1, 'exclude', ?2)";
constexpr const char* kSelectIncludes =
    "SELECT label FROM workspace_labels WHERE workspace_id = ?1 AND kind = 'include' ORDER BY label";
constexpr const char* kSelectExcludes =
    "SELECT label FROM workspace_labels WHERE workspace_id = ?1 AND kind = 'exclude' ORDER BY label";

constexpr const char* kDeleteGroups = "DELETE FROM workspace_groups WHERE workspace_id = ?1";
constexpr const char* kInsertGroup = "INSERT INTO workspace_groups (workspace_id, group_name) VALUES (?1, ?2)";
constexpr const char* kSelectGroups =
    "SELECT group_name FROM workspace_groups WHERE workspace_id = ?1 ORDER BY group_name";

std::string select_where(std::string_view where) { return kColumns + std::string(where); }

// ?2..?8: what an insert and an update both write.
Statement& bind_settings(Statement& stmt, const WorkspaceRecord& w) {
  return stmt.bind_text(2, w.name)
      .bind_text(3, w.pool_id)
      .bind_int64(4, w.enabled ? 1 : 0)
      .bind_int64(5, w.session_resources.cores_milli)
      .bind_int64(6, w.session_resources.memory_bytes)
      .bind_int64(7, w.session_resources.gpus)
      .bind_int64(8, w.updated_at);
}

WorkspaceRecord read_row(const Statement& stmt) {
  WorkspaceRecord w;
  w.id = stmt.column_text(0);
  w.name = stmt.column_text(1);
  w.pool_id = stmt.column_text(2);
  w.enabled = stmt.column_int64(3) != 0;
  w.session_resources = {stmt.column_int64(4), stmt.column_int64(5), stmt.column_int64(6)};
  w.created_at = stmt.column_int64(7);
  w.updated_at = stmt.column_int64(8);
  w.revision = static_cast<uint64_t>(stmt.column_int64(9));
  return w;
}

}  // namespace

Status SqliteWorkspaceRepository::write_labels(const WorkspaceRecord& w) {
  Status s = replace_string_set(conn_, kDeleteLabels, kInsertInclude, w.id, w.include_labels,
                                "write workspace include labels");
  if (!s.ok()) return s;
  s = insert_string_set(conn_, kInsertExclude, w.id, w.exclude_labels, "write workspace exclude labels");
  if (!s.ok()) return s;
  return replace_string_set(conn_, kDeleteGroups, kInsertGroup, w.id, w.allowed_groups, "write workspace groups");
}

Status SqliteWorkspaceRepository::insert(const WorkspaceRecord& workspace) {
  auto w = checked_workspace(workspace);
  if (!w.ok()) return w.status();
  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  auto stmt = conn_.statement(kInsert, "insert workspace");
  if (!stmt.ok()) return stmt.status();
  Status s = bind_settings(stmt->bind_text(1, w->id), *w).bind_int64(9, w->created_at).run();
  if (s.ok()) s = write_labels(*w);
  if (!s.ok()) return s;
  return txn->commit();
}

Result<std::vector<WorkspaceRecord>> SqliteWorkspaceRepository::select(std::string_view sql,
                                                                       const std::vector<std::string>& params,
                                                                       int64_t limit) {
  // One snapshot for the rows and their labels.
  auto txn = conn_.begin(Transaction::Kind::read);
  if (!txn.ok()) return txn.status();
  auto rows =
      select_records<WorkspaceRecord>(conn_, sql, "select workspaces", params, limit,
                                      [](const Statement& stmt) -> Result<WorkspaceRecord> { return read_row(stmt); });
  if (!rows.ok()) return rows.status();
  std::vector<WorkspaceRecord>& workspaces = *rows;
  for (WorkspaceRecord& w : workspaces) {
    Status s = read_string_set(conn_, kSelectIncludes, w.id, "select workspace labels", &w.include_labels);
    if (s.ok()) s = read_string_set(conn_, kSelectExcludes, w.id, "select workspace labels", &w.exclude_labels);
    if (s.ok()) s = read_string_set(conn_, kSelectGroups, w.id, "select workspace groups", &w.allowed_groups);
    if (!s.ok()) return s;
  }
  if (Status s = txn->commit(); !s.ok()) return s;
  return std::move(workspaces);
}

Result<std::optional<WorkspaceRecord>> SqliteWorkspaceRepository::select_one(std::string_view sql,
                                                                             const std::string& key) {
  auto workspaces = select(sql, {key}, 0);
  if (!workspaces.ok()) return workspaces.status();
  if (workspaces->empty()) return std::optional<WorkspaceRecord>();
  return std::optional<WorkspaceRecord>(std::move(workspaces->front()));
}

Result<std::optional<WorkspaceRecord>> SqliteWorkspaceRepository::get(const std::string& id) {
  static const std::string sql = select_where("WHERE id = ?1");
  return select_one(sql, id);
}

Result<std::optional<WorkspaceRecord>> SqliteWorkspaceRepository::get_by_name(const std::string& name) {
  static const std::string sql = select_where("WHERE name = ?1");
  return select_one(sql, name);
}

Result<Page<WorkspaceRecord>> SqliteWorkspaceRepository::list(const WorkspaceFilter& filter, const PageRequest& page) {
  if (page.size == 0) return error(ErrorCode::invalid_argument, "page size must be at least 1");
  static const std::string all = select_where("WHERE id > ?1 ORDER BY id LIMIT ?2");
  static const std::string in_pool = select_where("WHERE pool_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3");
  auto rows = filter.pool_id.empty() ? select(all, {page.after_id}, int64_t{page.size} + 1)
                                     : select(in_pool, {filter.pool_id, page.after_id}, int64_t{page.size} + 1);
  if (!rows.ok()) return rows.status();
  return make_page(std::move(*rows), page.size);
}

Result<UpdateOutcome> SqliteWorkspaceRepository::update(const WorkspaceRecord& workspace, uint64_t expected_revision) {
  auto w = checked_workspace(workspace);
  if (!w.ok()) return w.status();
  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  // Asked rather than read from the foreign key's failure, which does not say which key failed.
  auto pool_known = conn_.any_row("SELECT 1 FROM pools WHERE id = ?1", w->pool_id, "select pool id");
  if (!pool_known.ok()) return pool_known.status();
  {
    auto stmt = conn_.statement(kCompareAndSet, "update workspace");
    if (!stmt.ok()) return stmt.status();
    Status s =
        bind_settings(stmt->bind_text(1, w->id), *w).bind_int64(9, static_cast<int64_t>(expected_revision)).run();
    if (s.code() == ErrorCode::already_exists) return UpdateOutcome::name_taken;
    // An unknown pool fails the foreign key only when the revision matched; otherwise the
    // answer below is about the revision, which the caller must fix first anyway.
    if (s.code() == ErrorCode::failed_precondition && !*pool_known) return UpdateOutcome::pool_not_found;
    if (!s.ok()) return s;
  }
  if (conn_.changes() == 0) {
    auto exists = conn_.any_row("SELECT 1 FROM workspaces WHERE id = ?1", w->id, "select workspace id");
    if (!exists.ok()) return exists.status();
    return *exists ? UpdateOutcome::revision_mismatch : UpdateOutcome::not_found;
  }
  Status s = write_labels(*w);
  if (s.ok()) s = txn->commit();
  if (!s.ok()) return s;
  return UpdateOutcome::updated;
}

Result<RemoveOutcome> SqliteWorkspaceRepository::remove(const std::string& id) {
  // Checked and deleted in one transaction, so no session can be placed for it in between.
  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  auto running = conn_.any_row("SELECT 1 FROM sessions WHERE workspace_id = ?1 AND state <> 'ended' LIMIT 1", id,
                               "check workspace sessions");
  if (!running.ok()) return running.status();
  if (*running) return RemoveOutcome::has_sessions;
  auto stmt = conn_.statement("DELETE FROM workspaces WHERE id = ?1", "delete workspace");
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_text(1, id).run(); !s.ok()) return s;
  if (conn_.changes() == 0) return RemoveOutcome::not_found;
  if (Status s = txn->commit(); !s.ok()) return s;
  return RemoveOutcome::removed;
}

}  // namespace corral::store
