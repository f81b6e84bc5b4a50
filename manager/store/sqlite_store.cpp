#include "manager/store/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <unordered_map>

#include "common/clock.h"
#include "common/log.h"
#include "manager/store/sqlite_migrations.h"
#include "manager/store/sqlite_migrator.h"
#include "manager/store/sqlite_statement.h"

namespace corral::store {

namespace {

// Long enough to ride out an operator's backup or sqlite3 shell holding the lock for a moment,
// short enough that the core thread does not look hung.
constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kAgentColumns =
    "id, certificate_serial, enrolled_at, last_seen, revoked_at, join_token_id, server_id, hello, capacity";
constexpr const char* kJoinTokenColumns =
    "id, secret_sha256, created_at, expires_at, used_at, used_by_agent, server_id, description";

using Labels = std::map<std::string, std::string>;

Status serialize(const google::protobuf::MessageLite& message, std::string_view what, std::string* out) {
  if (!message.SerializeToString(out)) {
    return error(ErrorCode::invalid_argument, "cannot serialize " + std::string(what));
  }
  return {};
}

Status parse(std::string_view blob, std::string_view what, const std::string& owner,
             google::protobuf::MessageLite* message) {
  if (!message->ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
    return error(ErrorCode::internal, "stored " + std::string(what) + " of " + owner + " is corrupt");
  }
  return {};
}

Status insert_labels(sqlite3* db, const char* sql, const std::string& owner, const Labels& labels,
                     std::string_view op) {
  if (labels.empty()) return {};
  auto stmt = Statement::prepare(db, sql, op);
  if (!stmt.ok()) return stmt.status();
  for (const auto& [key, value] : labels) {
    if (Status s = stmt->bind_text(1, owner).bind_text(2, key).bind_text(3, value).run(); !s.ok()) return s;
    stmt->reset();
  }
  return {};
}

Status read_labels(sqlite3* db, const char* sql, const std::string& owner, std::string_view op, Labels* out) {
  auto stmt = Statement::prepare(db, sql, op);
  if (!stmt.ok()) return stmt.status();
  stmt->bind_text(1, owner);
  while (true) {
    auto row = stmt->step();
    if (!row.ok()) return row.status();
    if (!*row) return {};
    (*out)[stmt->column_text(0)] = stmt->column_text(1);
  }
}

Result<AgentRecord> read_agent_row(const Statement& stmt) {
  AgentRecord agent;
  agent.id = stmt.column_text(0);
  agent.certificate_serial = stmt.column_text(1);
  agent.enrolled_at = stmt.column_int64(2);
  agent.last_seen = stmt.column_int64(3);
  agent.revoked_at = stmt.column_int64(4);
  agent.join_token_id = stmt.column_text(5);
  agent.server_id = stmt.column_text(6);
  if (Status s = parse(stmt.column_blob(7), "hello", agent.id, &agent.hello); !s.ok()) return s;
  if (Status s = parse(stmt.column_blob(8), "capacity report", agent.id, &agent.capacity); !s.ok()) return s;
  return agent;
}

JoinTokenRecord read_join_token_row(const Statement& stmt) {
  JoinTokenRecord token;
  token.id = stmt.column_text(0);
  token.secret_sha256 = stmt.column_text(1);
  token.created_at = stmt.column_int64(2);
  token.expires_at = stmt.column_int64(3);
  token.used_at = stmt.column_int64(4);
  token.used_by_agent = stmt.column_text(5);
  token.server_id = stmt.column_text(6);
  token.description = stmt.column_text(7);
  return token;
}

Status unknown_agent(const std::string& id) { return error(ErrorCode::not_found, "unknown agent " + id); }

// SQLite creates a missing file 0644 (less umask); creating it first keeps token hashes and
// certificate serials away from other local users. The -wal and -shm files inherit this mode.
Status create_private_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    return error(err == EACCES || err == EPERM ? ErrorCode::permission_denied : ErrorCode::unavailable,
                 "open store " + path + ": " + std::strerror(err));
  }
  ::close(fd);
  return {};
}

Result<std::string> pragma_value(sqlite3* db, const char* sql, std::string_view op) {
  auto stmt = Statement::prepare(db, sql, op);
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->step();
  if (!row.ok()) return row.status();
  if (!*row) return std::string();
  return stmt->column_text(0);
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path) {
  if (path.empty()) return error(ErrorCode::invalid_argument, "store path is empty");
  const bool in_memory = path == ":memory:";
  if (!in_memory) {
    if (Status s = create_private_file(path); !s.ok()) return s;
  }

  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  // Owned from here on, so every early return below closes the connection.
  std::unique_ptr<SqliteStore> store(new SqliteStore(db));
  if (rc != SQLITE_OK) return sqlite_status(db, rc, "open " + path);

  // Extended codes tell a taken key (already_exists) from other constraint failures.
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // Refuses writable_schema and similar tricks that could corrupt the file.
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);

  // The first statement to touch the file: a file that is not a database fails here.
  auto mode = pragma_value(db, "PRAGMA journal_mode=WAL", "set journal_mode=WAL on " + path);
  if (!mode.ok()) return mode.status();
  if (*mode != "wal" && !(in_memory && *mode == "memory")) {
    return error(ErrorCode::unavailable, "store " + path + ": journal_mode stayed '" + *mode + "', WAL is required");
  }
  // With WAL, NORMAL only risks the last transactions on power loss, never corruption.
  if (Status s = exec_sql(db, "PRAGMA synchronous=NORMAL", "set synchronous=NORMAL"); !s.ok()) return s;
  if (Status s = exec_sql(db, "PRAGMA foreign_keys=ON", "set foreign_keys=ON"); !s.ok()) return s;
  // Label rows rely on ON DELETE CASCADE; a build without foreign key support ignores the PRAGMA.
  auto fk = pragma_value(db, "PRAGMA foreign_keys", "read foreign_keys");
  if (!fk.ok()) return fk.status();
  if (*fk != "1") return error(ErrorCode::internal, "this SQLite does not enforce foreign keys");

  auto now = unix_seconds(std::chrono::system_clock::now());
  if (Status s = apply_migrations(db, sqlite_migrations(), now); !s.ok()) return s;
  auto version = store->schema_version();
  if (!version.ok()) return version.status();
  log::info("store.opened", {{"backend", "sqlite"}, {"path", path}, {"schema_version", *version}});
  return store;
}

SqliteStore::~SqliteStore() { sqlite3_close_v2(db_); }

Result<int> SqliteStore::schema_version() { return read_schema_version(db_); }

Status SqliteStore::put_join_token(const JoinTokenRecord& token) {
  if (token.id.empty()) return error(ErrorCode::invalid_argument, "join token id is empty");
  auto txn = Transaction::begin(db_, Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  auto stmt = Statement::prepare(db_,
                                 "INSERT INTO join_tokens (id, secret_sha256, created_at, expires_at, used_at, "
                                 "used_by_agent, server_id, description) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                                 "insert join token");
  if (!stmt.ok()) return stmt.status();
  Status s = stmt->bind_text(1, token.id)
                 .bind_text(2, token.secret_sha256)
                 .bind_int64(3, token.created_at)
                 .bind_int64(4, token.expires_at)
                 .bind_int64(5, token.used_at)
                 .bind_text(6, token.used_by_agent)
                 .bind_text(7, token.server_id)
                 .bind_text(8, token.description)
                 .run();
  if (!s.ok()) return s;
  s = insert_labels(db_, "INSERT INTO join_token_labels (token_id, key, value) VALUES (?1, ?2, ?3)", token.id,
                    token.labels, "insert join token label");
  if (!s.ok()) return s;
  return txn->commit();
}

Result<std::optional<JoinTokenRecord>> SqliteStore::get_join_token(const std::string& id) {
  // One snapshot for the row and its labels.
  auto txn = Transaction::begin(db_, Transaction::Kind::read);
  if (!txn.ok()) return txn.status();
  auto stmt = Statement::prepare(db_, std::string("SELECT ") + kJoinTokenColumns + " FROM join_tokens WHERE id = ?1",
                                 "select join token");
  if (!stmt.ok()) return stmt.status();
  stmt->bind_text(1, id);
  auto row = stmt->step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<JoinTokenRecord>();
  JoinTokenRecord token = read_join_token_row(*stmt);
  Status s = read_labels(db_, "SELECT key, value FROM join_token_labels WHERE token_id = ?1", id,
                         "select join token labels", &token.labels);
  if (!s.ok()) return s;
  if (s = txn->commit(); !s.ok()) return s;
  return std::optional<JoinTokenRecord>(std::move(token));
}

Status SqliteStore::consume_join_token_and_enroll(const std::string& token_id, int64_t now,
                                                  const AgentRecord& agent) {
  if (agent.id.empty()) return error(ErrorCode::invalid_argument, "agent id is empty");
  // Revocation goes by serial, so every agent needs its own.
  if (agent.certificate_serial.empty()) return error(ErrorCode::invalid_argument, "certificate serial is empty");
  // used_at = 0 means "unused", so a use at time 0 could not be recorded.
  if (now <= 0) return error(ErrorCode::invalid_argument, "enrollment time must be positive");
  if (!agent.join_token_id.empty() && agent.join_token_id != token_id) {
    return error(ErrorCode::invalid_argument, "agent record names join token " + agent.join_token_id +
                                                  " but enrolls with " + token_id);
  }
  std::string hello_blob, capacity_blob;
  if (Status s = serialize(agent.hello, "hello", &hello_blob); !s.ok()) return s;
  if (Status s = serialize(agent.capacity, "capacity report", &capacity_blob); !s.ok()) return s;

  // Everything below runs under the write lock, so the checks still hold at the writes; any
  // early return rolls the whole enrollment back.
  auto txn = Transaction::begin(db_, Transaction::Kind::write);
  if (!txn.ok()) return txn.status();

  auto check = Statement::prepare(db_, "SELECT used_at, expires_at FROM join_tokens WHERE id = ?1",
                                  "select join token for enrollment");
  if (!check.ok()) return check.status();
  check->bind_text(1, token_id);
  auto row = check->step();
  if (!row.ok()) return row.status();
  if (!*row) return error(ErrorCode::not_found, "unknown join token");
  if (check->column_int64(0) != 0) return error(ErrorCode::failed_precondition, "token already used");
  if (now >= check->column_int64(1)) return error(ErrorCode::failed_precondition, "token expired");

  auto mark = Statement::prepare(db_, "UPDATE join_tokens SET used_at = ?2, used_by_agent = ?3 WHERE id = ?1",
                                 "mark join token used");
  if (!mark.ok()) return mark.status();
  if (Status s = mark->bind_text(1, token_id).bind_int64(2, now).bind_text(3, agent.id).run(); !s.ok()) return s;

  auto insert = Statement::prepare(db_,
                                   std::string("INSERT INTO agents (") + kAgentColumns +
                                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                   "insert agent");
  if (!insert.ok()) return insert.status();
  Status s = insert->bind_text(1, agent.id)
                 .bind_text(2, agent.certificate_serial)
                 .bind_int64(3, agent.enrolled_at)
                 .bind_int64(4, agent.last_seen)
                 .bind_int64(5, agent.revoked_at)
                 .bind_text(6, token_id)
                 .bind_text(7, agent.server_id)
                 .bind_blob(8, hello_blob)
                 .bind_blob(9, capacity_blob)
                 .run();
  if (!s.ok()) return s;
  s = insert_labels(db_, "INSERT INTO agent_labels (agent_id, key, value) VALUES (?1, ?2, ?3)", agent.id,
                    agent.labels, "insert agent label");
  if (!s.ok()) return s;
  return txn->commit();
}

Result<int> SqliteStore::delete_expired_join_tokens(int64_t now) {
  auto stmt = Statement::prepare(db_, "DELETE FROM join_tokens WHERE used_at = 0 AND expires_at <= ?1",
                                 "delete expired join tokens");
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_int64(1, now).run(); !s.ok()) return s;
  // Counts the token rows only; their labels go by cascade and are not counted.
  return sqlite3_changes(db_);
}

Result<std::vector<AgentRecord>> SqliteStore::list_agents() {
  auto txn = Transaction::begin(db_, Transaction::Kind::read);
  if (!txn.ok()) return txn.status();
  auto stmt = Statement::prepare(
      db_, std::string("SELECT ") + kAgentColumns + " FROM agents ORDER BY enrolled_at, id", "list agents");
  if (!stmt.ok()) return stmt.status();
  std::vector<AgentRecord> agents;
  std::unordered_map<std::string, size_t> index;
  while (true) {
    auto row = stmt->step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto agent = read_agent_row(*stmt);
    if (!agent.ok()) return agent.status();
    index.emplace(agent->id, agents.size());
    agents.push_back(std::move(agent).value());
  }
  // One pass over all labels instead of one query per agent.
  auto labels = Statement::prepare(db_, "SELECT agent_id, key, value FROM agent_labels", "list agent labels");
  if (!labels.ok()) return labels.status();
  while (true) {
    auto row = labels->step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto it = index.find(labels->column_text(0));
    if (it != index.end()) agents[it->second].labels[labels->column_text(1)] = labels->column_text(2);
  }
  if (Status s = txn->commit(); !s.ok()) return s;
  return agents;
}

Result<std::optional<AgentRecord>> SqliteStore::get_agent(const std::string& id) {
  auto txn = Transaction::begin(db_, Transaction::Kind::read);
  if (!txn.ok()) return txn.status();
  auto stmt = Statement::prepare(db_, std::string("SELECT ") + kAgentColumns + " FROM agents WHERE id = ?1",
                                 "select agent");
  if (!stmt.ok()) return stmt.status();
  stmt->bind_text(1, id);
  auto row = stmt->step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<AgentRecord>();
  auto agent = read_agent_row(*stmt);
  if (!agent.ok()) return agent.status();
  Status s = read_labels(db_, "SELECT key, value FROM agent_labels WHERE agent_id = ?1", id, "select agent labels",
                         &agent->labels);
  if (!s.ok()) return s;
  if (s = txn->commit(); !s.ok()) return s;
  return std::optional<AgentRecord>(std::move(agent).value());
}

Status SqliteStore::update_agent_hello(const std::string& id, const corral::agent::v1::Hello& hello,
                                       int64_t seen_at) {
  std::string blob;
  if (Status s = serialize(hello, "hello", &blob); !s.ok()) return s;
  auto stmt = Statement::prepare(db_, "UPDATE agents SET hello = ?2, last_seen = MAX(last_seen, ?3) WHERE id = ?1",
                                 "update agent hello");
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_text(1, id).bind_blob(2, blob).bind_int64(3, seen_at).run(); !s.ok()) return s;
  if (sqlite3_changes(db_) == 0) return unknown_agent(id);
  return {};
}

Status SqliteStore::update_agent_capacity(const std::string& id, const corral::agent::v1::CapacityReport& report) {
  std::string blob;
  if (Status s = serialize(report, "capacity report", &blob); !s.ok()) return s;
  auto stmt = Statement::prepare(db_, "UPDATE agents SET capacity = ?2 WHERE id = ?1", "update agent capacity");
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_text(1, id).bind_blob(2, blob).run(); !s.ok()) return s;
  if (sqlite3_changes(db_) == 0) return unknown_agent(id);
  return {};
}

Status SqliteStore::update_last_seen(const std::vector<std::pair<std::string, int64_t>>& seen) {
  if (seen.empty()) return {};
  // One transaction means one WAL commit (and sync) for the whole batch.
  auto txn = Transaction::begin(db_, Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  auto stmt = Statement::prepare(db_, "UPDATE agents SET last_seen = ?2 WHERE id = ?1 AND last_seen < ?2",
                                 "update last_seen");
  if (!stmt.ok()) return stmt.status();
  for (const auto& [id, at] : seen) {
    if (Status s = stmt->bind_text(1, id).bind_int64(2, at).run(); !s.ok()) return s;
    stmt->reset();
  }
  return txn->commit();
}

Status SqliteStore::revoke_agent(const std::string& id, int64_t at) {
  // revoked_at = 0 means "not revoked".
  if (at <= 0) return error(ErrorCode::invalid_argument, "revocation time must be positive");
  auto stmt = Statement::prepare(
      db_, "UPDATE agents SET revoked_at = CASE WHEN revoked_at = 0 THEN ?2 ELSE revoked_at END WHERE id = ?1",
      "revoke agent");
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_text(1, id).bind_int64(2, at).run(); !s.ok()) return s;
  if (sqlite3_changes(db_) == 0) return unknown_agent(id);
  return {};
}

Result<std::vector<std::string>> SqliteStore::list_revoked_serials() {
  auto stmt = Statement::prepare(
      db_, "SELECT certificate_serial FROM agents WHERE revoked_at <> 0 ORDER BY revoked_at, certificate_serial",
      "list revoked serials");
  if (!stmt.ok()) return stmt.status();
  std::vector<std::string> serials;
  while (true) {
    auto row = stmt->step();
    if (!row.ok()) return row.status();
    if (!*row) return serials;
    serials.push_back(stmt->column_text(0));
  }
}

Status SqliteStore::put_admin_token(const AdminTokenRecord& token) {
  if (token.id.empty()) return error(ErrorCode::invalid_argument, "admin token id is empty");
  auto stmt = Statement::prepare(
      db_, "INSERT INTO admin_tokens (id, secret_sha256, name, created_at) VALUES (?1, ?2, ?3, ?4)",
      "insert admin token");
  if (!stmt.ok()) return stmt.status();
  return stmt->bind_text(1, token.id)
      .bind_text(2, token.secret_sha256)
      .bind_text(3, token.name)
      .bind_int64(4, token.created_at)
      .run();
}

Result<std::vector<AdminTokenRecord>> SqliteStore::list_admin_tokens() {
  auto stmt = Statement::prepare(
      db_, "SELECT id, secret_sha256, name, created_at FROM admin_tokens ORDER BY created_at, id", "list admin tokens");
  if (!stmt.ok()) return stmt.status();
  std::vector<AdminTokenRecord> tokens;
  while (true) {
    auto row = stmt->step();
    if (!row.ok()) return row.status();
    if (!*row) return tokens;
    AdminTokenRecord token;
    token.id = stmt->column_text(0);
    token.secret_sha256 = stmt->column_text(1);
    token.name = stmt->column_text(2);
    token.created_at = stmt->column_int64(3);
    tokens.push_back(std::move(token));
  }
}

namespace {

constexpr char kProviderConfigColumns[] =
    "id, name, plugin, config_json, startup_script_template, max_instances, revision, created_at, updated_at";

ProviderConfigRecord read_provider_config(const Statement& stmt) {
  ProviderConfigRecord r;
  r.id = stmt.column_text(0);
  r.name = stmt.column_text(1);
  r.plugin = stmt.column_text(2);
  r.config_json = stmt.column_text(3);
  r.startup_script_template = stmt.column_text(4);
  r.max_instances = static_cast<uint32_t>(stmt.column_int64(5));
  r.revision = static_cast<uint64_t>(stmt.column_int64(6));
  r.created_at = stmt.column_int64(7);
  r.updated_at = stmt.column_int64(8);
  return r;
}

// Binds ?1..?9 in kProviderConfigColumns order.
Statement& bind_provider_config(Statement& stmt, const ProviderConfigRecord& c) {
  return stmt.bind_text(1, c.id)
      .bind_text(2, c.name)
      .bind_text(3, c.plugin)
      .bind_text(4, c.config_json)
      .bind_text(5, c.startup_script_template)
      .bind_int64(6, c.max_instances)
      .bind_int64(7, static_cast<int64_t>(c.revision))
      .bind_int64(8, c.created_at)
      .bind_int64(9, c.updated_at);
}

}  // namespace

Status SqliteStore::put_provider_config(const ProviderConfigRecord& c) {
  if (c.id.empty() || c.name.empty()) return error(ErrorCode::invalid_argument, "provider config id and name are required");
  auto stmt = Statement::prepare(db_,
                                 std::string("INSERT INTO provider_configs (") + kProviderConfigColumns +
                                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                 "insert provider config");
  if (!stmt.ok()) return stmt.status();
  return bind_provider_config(*stmt, c).run();
}

Status SqliteStore::update_provider_config(const ProviderConfigRecord& c) {
  // Same parameters as the insert; created_at (?8) is bound and not written.
  auto stmt = Statement::prepare(db_,
                                 "UPDATE provider_configs SET name = ?2, plugin = ?3, config_json = ?4, "
                                 "startup_script_template = ?5, max_instances = ?6, revision = ?7, updated_at = ?9 "
                                 "WHERE id = ?1",
                                 "update provider config");
  if (!stmt.ok()) return stmt.status();
  Status s = bind_provider_config(*stmt, c).run();
  if (!s.ok()) return s;
  if (sqlite3_changes(db_) == 0) return error(ErrorCode::not_found, "no provider config " + c.id);
  return {};
}

Result<std::optional<ProviderConfigRecord>> SqliteStore::get_provider_config(const std::string& id) {
  auto stmt = Statement::prepare(
      db_, std::string("SELECT ") + kProviderConfigColumns + " FROM provider_configs WHERE id = ?1", "get provider config");
  if (!stmt.ok()) return stmt.status();
  stmt->bind_text(1, id);
  auto row = stmt->step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<ProviderConfigRecord>();
  return std::optional<ProviderConfigRecord>(read_provider_config(*stmt));
}

Result<std::vector<ProviderConfigRecord>> SqliteStore::list_provider_configs() {
  auto stmt = Statement::prepare(
      db_, std::string("SELECT ") + kProviderConfigColumns + " FROM provider_configs ORDER BY name", "list provider configs");
  if (!stmt.ok()) return stmt.status();
  std::vector<ProviderConfigRecord> out;
  while (true) {
    auto row = stmt->step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    out.push_back(read_provider_config(*stmt));
  }
}

Status SqliteStore::delete_provider_config(const std::string& id) {
  auto stmt = Statement::prepare(db_, "DELETE FROM provider_configs WHERE id = ?1", "delete provider config");
  if (!stmt.ok()) return stmt.status();
  Status s = stmt->bind_text(1, id).run();
  if (!s.ok()) return s;
  if (sqlite3_changes(db_) == 0) return error(ErrorCode::not_found, "no provider config " + id);
  return {};
}

}  // namespace corral::store
