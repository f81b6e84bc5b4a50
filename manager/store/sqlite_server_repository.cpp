#include "manager/store/sqlite_server_repository.h"

#include "manager/store/broker_validation.h"
#include "manager/store/sqlite_select.h"
#include "manager/store/sqlite_string_sets.h"

namespace corral::store {

namespace {

constexpr const char* kColumns =
    "SELECT id, pool_id, hostname, address, connection_type, connection_port, connection_username, "
    "connection_password_sealed, max_sessions, enabled, draining, origin, autoscale_config_id, vm_id, agent_id, "
    "cores_milli_override, memory_bytes_override, gpus_override, created_at, updated_at, revision FROM servers ";
// ?2..?17 are the settings an update replaces (bind_settings); the rest are fixed at creation.
constexpr const char* kInsert =
    "INSERT INTO servers (id, hostname, address, connection_type, connection_port, connection_username, "
    "connection_password_sealed, max_sessions, enabled, draining, origin, autoscale_config_id, vm_id, "
    "cores_milli_override, memory_bytes_override, gpus_override, updated_at, pool_id, agent_id, created_at, revision) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, 1)";
// The revision check and the write are one statement (see SqlitePoolRepository).
constexpr const char* kCompareAndSet =
    "UPDATE servers SET hostname = ?2, address = ?3, connection_type = ?4, connection_port = ?5, "
    "connection_username = ?6, connection_password_sealed = ?7, max_sessions = ?8, enabled = ?9, draining = ?10, "
    "origin = ?11, autoscale_config_id = ?12, vm_id = ?13, cores_milli_override = ?14, memory_bytes_override = ?15, "
    "gpus_override = ?16, updated_at = ?17, revision = ?18 + 1 WHERE id = ?1 AND revision = ?18";
constexpr const char* kInsertLabel = "INSERT INTO server_labels (server_id, label) VALUES (?1, ?2)";
constexpr const char* kDeleteLabels = "DELETE FROM server_labels WHERE server_id = ?1";
constexpr const char* kSelectLabels = "SELECT label FROM server_labels WHERE server_id = ?1 ORDER BY label";
constexpr const char* kInsertUser = "INSERT INTO server_users (server_id, user_name) VALUES (?1, ?2)";
constexpr const char* kDeleteUsers = "DELETE FROM server_users WHERE server_id = ?1";
constexpr const char* kSelectUsers = "SELECT user_name FROM server_users WHERE server_id = ?1 ORDER BY user_name";

std::string select_where(std::string_view where) { return kColumns + std::string(where); }

std::optional<std::string> null_if_empty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

Statement& bind_settings(Statement& stmt, const ServerRecord& s) {
  return stmt.bind_text(2, s.hostname)
      .bind_text(3, s.address)
      .bind_text(4, connection_type_name(s.connection_type))
      .bind_int64(5, s.connection_port)
      .bind_text(6, s.connection_username)
      .bind_text(7, s.connection_password_sealed)
      .bind_int64(8, s.max_sessions)
      .bind_int64(9, s.enabled ? 1 : 0)
      .bind_int64(10, s.draining ? 1 : 0)
      .bind_text(11, server_origin_name(s.origin))
      .bind_text(12, s.autoscale_config_id)
      .bind_text(13, s.vm_id)
      .bind_int64(14, s.resource_overrides.cores_milli)
      .bind_int64(15, s.resource_overrides.memory_bytes)
      .bind_int64(16, s.resource_overrides.gpus)
      .bind_int64(17, s.updated_at);
}

Result<ServerRecord> read_row(const Statement& stmt) {
  ServerRecord s;
  s.id = stmt.column_text(0);
  s.pool_id = stmt.column_text(1);
  s.hostname = stmt.column_text(2);
  s.address = stmt.column_text(3);
  auto type = parse_connection_type(stmt.column_text(4));
  auto origin = parse_server_origin(stmt.column_text(11));
  if (!type || !origin) return error(ErrorCode::internal, "stored server " + s.id + " has an unknown type or origin");
  s.connection_type = *type;
  s.connection_port = static_cast<uint32_t>(stmt.column_int64(5));
  s.connection_username = stmt.column_text(6);
  s.connection_password_sealed = stmt.column_text(7);
  s.max_sessions = static_cast<uint32_t>(stmt.column_int64(8));
  s.enabled = stmt.column_int64(9) != 0;
  s.draining = stmt.column_int64(10) != 0;
  s.origin = *origin;
  s.autoscale_config_id = stmt.column_text(12);
  s.vm_id = stmt.column_text(13);
  s.agent_id = stmt.column_text(14);  // NULL reads as ""
  s.resource_overrides = {stmt.column_int64(15), stmt.column_int64(16), stmt.column_int64(17)};
  s.created_at = stmt.column_int64(18);
  s.updated_at = stmt.column_int64(19);
  s.revision = static_cast<uint64_t>(stmt.column_int64(20));
  return s;
}

}  // namespace

Status SqliteServerRepository::insert(const ServerRecord& server) {
  auto s = checked_server(server);
  if (!s.ok()) return s.status();
  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  auto stmt = conn_.statement(kInsert, "insert server");
  if (!stmt.ok()) return stmt.status();
  Status st = bind_settings(stmt->bind_text(1, s->id), *s)
                  .bind_text(18, s->pool_id)
                  .bind_optional_text(19, null_if_empty(s->agent_id))
                  .bind_int64(20, s->created_at)
                  .run();
  if (!st.ok()) return st;
  if (st = insert_string_set(conn_, kInsertLabel, s->id, s->labels, "insert server label"); !st.ok()) return st;
  if (st = insert_string_set(conn_, kInsertUser, s->id, s->assigned_users, "insert server user"); !st.ok()) return st;
  return txn->commit();
}

Result<std::vector<ServerRecord>> SqliteServerRepository::select(std::string_view sql,
                                                                 const std::vector<std::string>& params,
                                                                 int64_t limit) {
  // One snapshot for the rows and their children.
  auto txn = conn_.begin(Transaction::Kind::read);
  if (!txn.ok()) return txn.status();
  auto rows = select_records<ServerRecord>(conn_, sql, "select servers", params, limit, read_row);
  if (!rows.ok()) return rows.status();
  std::vector<ServerRecord>& servers = *rows;
  for (ServerRecord& s : servers) {
    Status st = read_string_set(conn_, kSelectLabels, s.id, "select server labels", &s.labels);
    if (st.ok()) st = read_string_set(conn_, kSelectUsers, s.id, "select server users", &s.assigned_users);
    if (!st.ok()) return st;
  }
  if (Status st = txn->commit(); !st.ok()) return st;
  return std::move(servers);
}

Result<std::optional<ServerRecord>> SqliteServerRepository::select_one(std::string_view sql,
                                                                       const std::vector<std::string>& params) {
  auto servers = select(sql, params, 0);
  if (!servers.ok()) return servers.status();
  if (servers->empty()) return std::optional<ServerRecord>();
  return std::optional<ServerRecord>(std::move(servers->front()));
}

Result<std::optional<ServerRecord>> SqliteServerRepository::get(const std::string& id) {
  static const std::string sql = select_where("WHERE id = ?1");
  return select_one(sql, {id});
}

Result<std::optional<ServerRecord>> SqliteServerRepository::get_by_hostname(const std::string& pool_id,
                                                                            const std::string& hostname) {
  static const std::string sql = select_where("WHERE pool_id = ?1 AND hostname = ?2");
  return select_one(sql, {pool_id, hostname});
}

Result<std::optional<ServerRecord>> SqliteServerRepository::find_by_agent(const std::string& agent_id) {
  if (agent_id.empty()) return std::optional<ServerRecord>();
  static const std::string sql = select_where("WHERE agent_id = ?1");
  return select_one(sql, {agent_id});
}

Result<Page<ServerRecord>> SqliteServerRepository::list(const ServerFilter& filter, const PageRequest& page) {
  if (page.size == 0) return error(ErrorCode::invalid_argument, "page size must be at least 1");
  static const std::string all = select_where("WHERE id > ?1 ORDER BY id LIMIT ?2");
  static const std::string in_pool = select_where("WHERE pool_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3");
  auto rows = filter.pool_id.empty() ? select(all, {page.after_id}, int64_t{page.size} + 1)
                                     : select(in_pool, {filter.pool_id, page.after_id}, int64_t{page.size} + 1);
  if (!rows.ok()) return rows.status();
  return make_page(std::move(*rows), page.size);
}

Result<UpdateOutcome> SqliteServerRepository::update(const ServerRecord& server, uint64_t expected_revision) {
  auto s = checked_server(server);
  if (!s.ok()) return s.status();
  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  {
    auto stmt = conn_.statement(kCompareAndSet, "update server");
    if (!stmt.ok()) return stmt.status();
    Status st =
        bind_settings(stmt->bind_text(1, s->id), *s).bind_int64(18, static_cast<int64_t>(expected_revision)).run();
    // Only (pool_id, hostname) is unique among the columns written.
    if (st.code() == ErrorCode::already_exists) return UpdateOutcome::name_taken;
    if (!st.ok()) return st;
  }
  if (conn_.changes() == 0) {
    auto exists = conn_.any_row("SELECT 1 FROM servers WHERE id = ?1", s->id, "select server id");
    if (!exists.ok()) return exists.status();
    return *exists ? UpdateOutcome::revision_mismatch : UpdateOutcome::not_found;
  }
  Status st = replace_string_set(conn_, kDeleteLabels, kInsertLabel, s->id, s->labels, "replace server labels");
  if (st.ok())
    st = replace_string_set(conn_, kDeleteUsers, kInsertUser, s->id, s->assigned_users, "replace server users");
  if (st.ok()) st = txn->commit();
  if (!st.ok()) return st;
  return UpdateOutcome::updated;
}

Result<RemoveOutcome> SqliteServerRepository::remove(const std::string& id) {
  // Checked and deleted in one transaction, so no session can be placed on it in between.
  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  auto running = conn_.any_row("SELECT 1 FROM sessions WHERE server_id = ?1 AND state <> 'ended' LIMIT 1", id,
                               "check server sessions");
  if (!running.ok()) return running.status();
  if (*running) return RemoveOutcome::has_sessions;
  auto stmt = conn_.statement("DELETE FROM servers WHERE id = ?1", "delete server");
  if (!stmt.ok()) return stmt.status();
  if (Status st = stmt->bind_text(1, id).run(); !st.ok()) return st;
  if (conn_.changes() == 0) return RemoveOutcome::not_found;
  if (Status st = txn->commit(); !st.ok()) return st;
  return RemoveOutcome::removed;
}

}  // namespace corral::store
