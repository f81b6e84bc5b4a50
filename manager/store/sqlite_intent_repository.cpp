#include "manager/store/sqlite_intent_repository.h"

#include <unordered_map>

#include "manager/store/sqlite_key_values.h"

namespace corral::store {

namespace {

constexpr const char* kInsert =
    "INSERT INTO intents (id, kind, idempotency_key, provider_config_id, autoscale_config_id, server_id, vm_id, "
    "payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr const char* kSelectOne =
    "SELECT id, kind, idempotency_key, provider_config_id, autoscale_config_id, server_id, vm_id, payload, "
    "created_at, done_at, outcome FROM intents WHERE id = ?1";
constexpr const char* kSelectUnfinished =
    "SELECT id, kind, idempotency_key, provider_config_id, autoscale_config_id, server_id, vm_id, payload, "
    "created_at, done_at, outcome FROM intents WHERE done_at = 0 ORDER BY created_at, id";
constexpr const char* kSelectForServer =
    "SELECT id, kind, idempotency_key, provider_config_id, autoscale_config_id, server_id, vm_id, payload, "
    "created_at, done_at, outcome FROM intents WHERE server_id = ?1 ORDER BY created_at, id";
constexpr const char* kInsertTag = "INSERT INTO intent_tags (intent_id, key, value) VALUES (?1, ?2, ?3)";
constexpr const char* kSelectTags = "SELECT key, value FROM intent_tags WHERE intent_id = ?1";
constexpr const char* kSelectUnfinishedTags =
    "SELECT t.intent_id, t.key, t.value FROM intent_tags t JOIN intents i ON i.id = t.intent_id WHERE i.done_at = 0";

Result<IntentKind> parse_kind(const std::string& text, const std::string& id) {
  if (text == "create_vm") return IntentKind::create_vm;
  if (text == "delete_vm") return IntentKind::delete_vm;
  return error(ErrorCode::internal, "stored intent " + id + " has unknown kind '" + text + "'");
}

Result<IntentRecord> read_row(const Statement& stmt) {
  IntentRecord r;
  r.id = stmt.column_text(0);
  auto kind = parse_kind(stmt.column_text(1), r.id);
  if (!kind.ok()) return kind.status();
  r.kind = *kind;
  r.idempotency_key = stmt.column_text(2);
  r.provider_config_id = stmt.column_text(3);
  r.autoscale_config_id = stmt.column_text(4);
  r.server_id = stmt.column_text(5);
  r.vm_id = stmt.column_text(6);
  r.payload = stmt.column_blob(7);
  r.created_at = stmt.column_int64(8);
  r.done_at = stmt.column_int64(9);
  r.outcome = stmt.column_text(10);
  return r;
}

Status unknown_intent(const std::string& id) { return error(ErrorCode::not_found, "unknown intent " + id); }

}  // namespace

Status SqliteIntentRepository::append(const IntentRecord& intent) {
  if (intent.id.empty()) return error(ErrorCode::invalid_argument, "intent id is empty");
  if (intent.idempotency_key.empty()) return error(ErrorCode::invalid_argument, "intent idempotency key is empty");
  if (intent.done_at != 0) return error(ErrorCode::invalid_argument, "a new intent cannot be done already");
  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  auto stmt = conn_.statement(kInsert, "insert intent");
  if (!stmt.ok()) return stmt.status();
  Status s = stmt->bind_text(1, intent.id)
                 .bind_text(2, intent_kind_name(intent.kind))
                 .bind_text(3, intent.idempotency_key)
                 .bind_text(4, intent.provider_config_id)
                 .bind_text(5, intent.autoscale_config_id)
                 .bind_text(6, intent.server_id)
                 .bind_text(7, intent.vm_id)
                 .bind_blob(8, intent.payload)
                 .bind_int64(9, intent.created_at)
                 .run();
  if (!s.ok()) return s;
  s = insert_key_values(conn_, kInsertTag, intent.id, intent.ownership_tags, "insert intent tag");
  if (!s.ok()) return s;
  return txn->commit();
}

Result<std::optional<IntentRecord>> SqliteIntentRepository::get(const std::string& id) {
  auto txn = conn_.begin(Transaction::Kind::read);
  if (!txn.ok()) return txn.status();
  auto stmt = conn_.statement(kSelectOne, "select intent");
  if (!stmt.ok()) return stmt.status();
  stmt->bind_text(1, id);
  auto row = stmt->step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<IntentRecord>();
  auto intent = read_row(*stmt);
  if (!intent.ok()) return intent.status();
  Status s = read_key_values(conn_, kSelectTags, id, "select intent tags", &intent->ownership_tags);
  if (!s.ok()) return s;
  if (s = txn->commit(); !s.ok()) return s;
  return std::optional<IntentRecord>(std::move(intent).value());
}

Result<bool> SqliteIntentRepository::exists(const std::string& id) {
  auto stmt = conn_.statement("SELECT 1 FROM intents WHERE id = ?1", "select intent id");
  if (!stmt.ok()) return stmt.status();
  stmt->bind_text(1, id);
  return stmt->step();
}

Status SqliteIntentRepository::set_vm_id(const std::string& id, const std::string& vm_id) {
  if (vm_id.empty()) return error(ErrorCode::invalid_argument, "vm id is empty");
  {
    auto stmt = conn_.statement("UPDATE intents SET vm_id = ?2 WHERE id = ?1 AND (vm_id = '' OR vm_id = ?2)",
                                "set intent vm id");
    if (!stmt.ok()) return stmt.status();
    if (Status s = stmt->bind_text(1, id).bind_text(2, vm_id).run(); !s.ok()) return s;
    if (conn_.changes() == 1) return {};
  }
  auto found = exists(id);
  if (!found.ok()) return found.status();
  if (!*found) return unknown_intent(id);
  return error(ErrorCode::failed_precondition, "intent " + id + " already names another VM than " + vm_id);
}

Status SqliteIntentRepository::mark_done(const std::string& id, const std::string& outcome, int64_t done_at) {
  // done_at = 0 means "unfinished".
  if (done_at <= 0) return error(ErrorCode::invalid_argument, "intent completion time must be positive");
  {
    auto stmt = conn_.statement("UPDATE intents SET done_at = ?2, outcome = ?3 WHERE id = ?1 AND done_at = 0",
                                "mark intent done");
    if (!stmt.ok()) return stmt.status();
    if (Status s = stmt->bind_text(1, id).bind_int64(2, done_at).bind_text(3, outcome).run(); !s.ok()) return s;
    if (conn_.changes() == 1) return {};
  }
  auto found = exists(id);
  if (!found.ok()) return found.status();
  return *found ? Status{} : unknown_intent(id);
}

Result<std::vector<IntentRecord>> SqliteIntentRepository::list_unfinished() {
  auto txn = conn_.begin(Transaction::Kind::read);
  if (!txn.ok()) return txn.status();
  auto stmt = conn_.statement(kSelectUnfinished, "list unfinished intents");
  if (!stmt.ok()) return stmt.status();
  std::vector<IntentRecord> intents;
  std::unordered_map<std::string, size_t> index;
  while (true) {
    auto row = stmt->step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto intent = read_row(*stmt);
    if (!intent.ok()) return intent.status();
    index.emplace(intent->id, intents.size());
    intents.push_back(std::move(intent).value());
  }
  Status s = read_all_key_values(conn_, kSelectUnfinishedTags, "list unfinished intent tags", index, intents,
                                 &IntentRecord::ownership_tags);
  if (!s.ok()) return s;
  if (s = txn->commit(); !s.ok()) return s;
  return intents;
}

Result<std::vector<IntentRecord>> SqliteIntentRepository::list_for_server(const std::string& server_id) {
  auto txn = conn_.begin(Transaction::Kind::read);
  if (!txn.ok()) return txn.status();
  std::vector<IntentRecord> intents;
  {
    auto stmt = conn_.statement(kSelectForServer, "list intents of a server");
    if (!stmt.ok()) return stmt.status();
    stmt->bind_text(1, server_id);
    while (true) {
      auto row = stmt->step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      auto intent = read_row(*stmt);
      if (!intent.ok()) return intent.status();
      intents.push_back(std::move(intent).value());
    }
  }
  for (IntentRecord& intent : intents) {
    Status s = read_key_values(conn_, kSelectTags, intent.id, "select intent tags", &intent.ownership_tags);
    if (!s.ok()) return s;
  }
  if (Status s = txn->commit(); !s.ok()) return s;
  return intents;
}

Status SqliteIntentRepository::set_payload(const std::string& id, const std::string& payload) {
  {
    auto stmt = conn_.statement("UPDATE intents SET payload = ?2 WHERE id = ?1", "set intent payload");
    if (!stmt.ok()) return stmt.status();
    if (Status s = stmt->bind_text(1, id).bind_blob(2, payload).run(); !s.ok()) return s;
    if (conn_.changes() == 1) return {};
  }
  return unknown_intent(id);
}

}  // namespace corral::store
