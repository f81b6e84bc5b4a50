#include "manager/store/sqlite_pool_repository.h"

#include "manager/store/broker_validation.h"
#include "manager/store/sqlite_string_sets.h"

namespace corral::store {

namespace {

constexpr const char* kInsert =
    "INSERT INTO pools (id, name, type, server_assignment, created_at, updated_at, revision, rd_gateway_hostname, "
    "rd_gateway_port) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8)";
constexpr const char* kSelectById =
    "SELECT id, name, type, server_assignment, created_at, updated_at, revision, rd_gateway_hostname, rd_gateway_port "
    "FROM pools WHERE id = ?1";
constexpr const char* kSelectByName =
    "SELECT id, name, type, server_assignment, created_at, updated_at, revision, rd_gateway_hostname, rd_gateway_port "
    "FROM pools WHERE name = ?1";
constexpr const char* kSelectPage =
    "SELECT id, name, type, server_assignment, created_at, updated_at, revision, rd_gateway_hostname, rd_gateway_port "
    "FROM pools WHERE id > ?1 ORDER BY id LIMIT ?2";
// The revision check and the write are one statement: of two updates from revision N, one
// changes the row and the other finds N+1 and changes nothing.
constexpr const char* kCompareAndSet =
    "UPDATE pools SET name = ?2, type = ?3, server_assignment = ?4, updated_at = ?5, revision = ?6 + 1, "
    "rd_gateway_hostname = ?7, rd_gateway_port = ?8 WHERE id = ?1 AND revision = ?6";
constexpr const char* kInsertLabel = "INSERT INTO pool_labels (pool_id, label) VALUES (?1, ?2)";
constexpr const char* kDeleteLabels = "DELETE FROM pool_labels WHERE pool_id = ?1";
constexpr const char* kSelectLabels = "SELECT label FROM pool_labels WHERE pool_id = ?1 ORDER BY label";

Result<PoolRecord> read_row(const Statement& stmt) {
  PoolRecord p;
  p.id = stmt.column_text(0);
  p.name = stmt.column_text(1);
  auto type = parse_pool_type(stmt.column_text(2));
  if (!type) return error(ErrorCode::internal, "stored pool " + p.id + " has an unknown type");
  p.type = *type;
  p.server_assignment = stmt.column_int64(3) != 0;
  p.created_at = stmt.column_int64(4);
  p.updated_at = stmt.column_int64(5);
  p.revision = static_cast<uint64_t>(stmt.column_int64(6));
  p.rd_gateway.hostname = stmt.column_text(7);
  p.rd_gateway.port = static_cast<uint32_t>(stmt.column_int64(8));
  return p;
}

}  // namespace

Status SqlitePoolRepository::insert(const PoolRecord& pool) {
  auto p = checked_pool(pool);
  if (!p.ok()) return p.status();
  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  auto stmt = conn_.statement(kInsert, "insert pool");
  if (!stmt.ok()) return stmt.status();
  Status s = stmt->bind_text(1, p->id)
                 .bind_text(2, p->name)
                 .bind_text(3, pool_type_name(p->type))
                 .bind_int64(4, p->server_assignment ? 1 : 0)
                 .bind_int64(5, p->created_at)
                 .bind_int64(6, p->updated_at)
                 .bind_text(7, p->rd_gateway.hostname)
                 .bind_int64(8, p->rd_gateway.port)
                 .run();
  if (!s.ok()) return s;
  if (s = insert_string_set(conn_, kInsertLabel, p->id, p->labels, "insert pool label"); !s.ok()) return s;
  return txn->commit();
}

Result<std::vector<PoolRecord>> SqlitePoolRepository::select(const char* sql, const std::string& key, int64_t limit) {
  // One snapshot for the rows and their labels.
  auto txn = conn_.begin(Transaction::Kind::read);
  if (!txn.ok()) return txn.status();
  std::vector<PoolRecord> pools;
  {
    auto stmt = conn_.statement(sql, "select pools");
    if (!stmt.ok()) return stmt.status();
    stmt->bind_text(1, key);
    if (limit > 0) stmt->bind_int64(2, limit);
    while (true) {
      auto row = stmt->step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      auto pool = read_row(*stmt);
      if (!pool.ok()) return pool.status();
      pools.push_back(std::move(*pool));
    }
  }
  for (PoolRecord& p : pools) {
    if (Status s = read_string_set(conn_, kSelectLabels, p.id, "select pool labels", &p.labels); !s.ok()) return s;
  }
  if (Status s = txn->commit(); !s.ok()) return s;
  return pools;
}

Result<std::optional<PoolRecord>> SqlitePoolRepository::select_one(const char* sql, const std::string& key) {
  auto pools = select(sql, key, 0);
  if (!pools.ok()) return pools.status();
  if (pools->empty()) return std::optional<PoolRecord>();
  return std::optional<PoolRecord>(std::move(pools->front()));
}

Result<std::optional<PoolRecord>> SqlitePoolRepository::get(const std::string& id) {
  return select_one(kSelectById, id);
}

Result<std::optional<PoolRecord>> SqlitePoolRepository::get_by_name(const std::string& name) {
  return select_one(kSelectByName, name);
}

Result<Page<PoolRecord>> SqlitePoolRepository::list(const PageRequest& page) {
  if (page.size == 0) return error(ErrorCode::invalid_argument, "page size must be at least 1");
  auto rows = select(kSelectPage, page.after_id, int64_t{page.size} + 1);
  if (!rows.ok()) return rows.status();
  return make_page(std::move(*rows), page.size);
}

Result<UpdateOutcome> SqlitePoolRepository::update(const PoolRecord& pool, uint64_t expected_revision) {
  auto p = checked_pool(pool);
  if (!p.ok()) return p.status();
  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  {
    auto stmt = conn_.statement(kCompareAndSet, "update pool");
    if (!stmt.ok()) return stmt.status();
    Status s = stmt->bind_text(1, p->id)
                   .bind_text(2, p->name)
                   .bind_text(3, pool_type_name(p->type))
                   .bind_int64(4, p->server_assignment ? 1 : 0)
                   .bind_int64(5, p->updated_at)
                   .bind_int64(6, static_cast<int64_t>(expected_revision))
                   .bind_text(7, p->rd_gateway.hostname)
                   .bind_int64(8, p->rd_gateway.port)
                   .run();
    // The name's UNIQUE index is only consulted when the revision matched.
    if (s.code() == ErrorCode::already_exists) return UpdateOutcome::name_taken;
    if (!s.ok()) return s;
  }
  if (conn_.changes() == 0) {
    auto exists = conn_.any_row("SELECT 1 FROM pools WHERE id = ?1", p->id, "select pool id");
    if (!exists.ok()) return exists.status();
    return *exists ? UpdateOutcome::revision_mismatch : UpdateOutcome::not_found;
  }
  Status s = replace_string_set(conn_, kDeleteLabels, kInsertLabel, p->id, p->labels, "replace pool labels");
  if (!s.ok()) return s;
  if (s = txn->commit(); !s.ok()) return s;
  return UpdateOutcome::updated;
}

Result<RemoveOutcome> SqlitePoolRepository::remove(const std::string& id) {
  // The checks and the delete are one transaction, so nothing can start depending on the pool
  // in between (the servers' and workspaces' foreign keys would refuse the delete anyway, but
  // without saying which).
  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  struct Check {
    const char* sql;
    RemoveOutcome refusal;
  };
  const Check checks[] = {
      {"SELECT 1 FROM autoscale_configs WHERE pool_id = ?1 LIMIT 1", RemoveOutcome::has_autoscale_configs},
      {"SELECT 1 FROM servers WHERE pool_id = ?1 LIMIT 1", RemoveOutcome::has_servers},
      {"SELECT 1 FROM workspaces WHERE pool_id = ?1 LIMIT 1", RemoveOutcome::has_workspaces},
      {"SELECT 1 FROM sessions WHERE pool_id = ?1 AND state <> 'ended' LIMIT 1", RemoveOutcome::has_sessions},
  };
  for (const Check& check : checks) {
    auto found = conn_.any_row(check.sql, id, "check pool dependents");
    if (!found.ok()) return found.status();
    if (*found) return check.refusal;
  }
  auto stmt = conn_.statement("DELETE FROM pools WHERE id = ?1", "delete pool");
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_text(1, id).run(); !s.ok()) return s;
  if (conn_.changes() == 0) return RemoveOutcome::not_found;
  if (Status s = txn->commit(); !s.ok()) return s;
  return RemoveOutcome::removed;
}

}  // namespace corral::store
