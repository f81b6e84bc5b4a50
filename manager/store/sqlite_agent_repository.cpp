#include "manager/store/sqlite_agent_repository.h"

#include <unordered_map>

#include "manager/store/sqlite_key_values.h"

namespace corral::store {

namespace {

constexpr const char* kInsert =
    "INSERT INTO agents (id, certificate_serial, enrolled_at, last_seen, revoked_at, join_token_id, server_id, "
    "hello, capacity) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr const char* kSelectOne =
    "SELECT id, certificate_serial, enrolled_at, last_seen, revoked_at, join_token_id, server_id, hello, capacity "
    "FROM agents WHERE id = ?1";
constexpr const char* kSelectAll =
    "SELECT id, certificate_serial, enrolled_at, last_seen, revoked_at, join_token_id, server_id, hello, capacity "
    "FROM agents ORDER BY enrolled_at, id";
constexpr const char* kInsertLabel = "INSERT INTO agent_labels (agent_id, key, value) VALUES (?1, ?2, ?3)";
constexpr const char* kSelectLabels = "SELECT key, value FROM agent_labels WHERE agent_id = ?1";
constexpr const char* kSelectAllLabels = "SELECT agent_id, key, value FROM agent_labels";

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

Result<AgentRecord> read_row(const Statement& stmt) {
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

Status unknown_agent(const std::string& id) { return error(ErrorCode::not_found, "unknown agent " + id); }

}  // namespace

Status SqliteAgentRepository::insert(const AgentRecord& agent) {
  if (agent.id.empty()) return error(ErrorCode::invalid_argument, "agent id is empty");
  if (agent.certificate_serial.empty()) return error(ErrorCode::invalid_argument, "certificate serial is empty");
  std::string hello_blob, capacity_blob;
  if (Status s = serialize(agent.hello, "hello", &hello_blob); !s.ok()) return s;
  if (Status s = serialize(agent.capacity, "capacity report", &capacity_blob); !s.ok()) return s;

  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  auto stmt = conn_.statement(kInsert, "insert agent");
  if (!stmt.ok()) return stmt.status();
  Status s = stmt->bind_text(1, agent.id)
                 .bind_text(2, agent.certificate_serial)
                 .bind_int64(3, agent.enrolled_at)
                 .bind_int64(4, agent.last_seen)
                 .bind_int64(5, agent.revoked_at)
                 .bind_text(6, agent.join_token_id)
                 .bind_text(7, agent.server_id)
                 .bind_blob(8, hello_blob)
                 .bind_blob(9, capacity_blob)
                 .run();
  if (!s.ok()) return s;
  s = insert_key_values(conn_, kInsertLabel, agent.id, agent.labels, "insert agent label");
  if (!s.ok()) return s;
  return txn->commit();
}

Result<std::optional<AgentRecord>> SqliteAgentRepository::get(const std::string& id) {
  // One snapshot for the row and its labels.
  auto txn = conn_.begin(Transaction::Kind::read);
  if (!txn.ok()) return txn.status();
  auto stmt = conn_.statement(kSelectOne, "select agent");
  if (!stmt.ok()) return stmt.status();
  stmt->bind_text(1, id);
  auto row = stmt->step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<AgentRecord>();
  auto agent = read_row(*stmt);
  if (!agent.ok()) return agent.status();
  Status s = read_key_values(conn_, kSelectLabels, id, "select agent labels", &agent->labels);
  if (!s.ok()) return s;
  if (s = txn->commit(); !s.ok()) return s;
  return std::optional<AgentRecord>(std::move(agent).value());
}

Result<std::vector<AgentRecord>> SqliteAgentRepository::list() {
  auto txn = conn_.begin(Transaction::Kind::read);
  if (!txn.ok()) return txn.status();
  auto stmt = conn_.statement(kSelectAll, "list agents");
  if (!stmt.ok()) return stmt.status();
  std::vector<AgentRecord> agents;
  std::unordered_map<std::string, size_t> index;
  while (true) {
    auto row = stmt->step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto agent = read_row(*stmt);
    if (!agent.ok()) return agent.status();
    index.emplace(agent->id, agents.size());
    agents.push_back(std::move(agent).value());
  }
  Status s = read_all_key_values(conn_, kSelectAllLabels, "list agent labels", index, agents, &AgentRecord::labels);
  if (!s.ok()) return s;
  if (s = txn->commit(); !s.ok()) return s;
  return agents;
}

Status SqliteAgentRepository::update_hello(const std::string& id, const corral::agent::v1::Hello& hello,
                                           int64_t seen_at) {
  std::string blob;
  if (Status s = serialize(hello, "hello", &blob); !s.ok()) return s;
  auto stmt = conn_.statement("UPDATE agents SET hello = ?2, last_seen = MAX(last_seen, ?3) WHERE id = ?1",
                              "update agent hello");
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_text(1, id).bind_blob(2, blob).bind_int64(3, seen_at).run(); !s.ok()) return s;
  if (conn_.changes() == 0) return unknown_agent(id);
  return {};
}

Status SqliteAgentRepository::update_capacity(const std::string& id, const corral::agent::v1::CapacityReport& report) {
  std::string blob;
  if (Status s = serialize(report, "capacity report", &blob); !s.ok()) return s;
  auto stmt = conn_.statement("UPDATE agents SET capacity = ?2 WHERE id = ?1", "update agent capacity");
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_text(1, id).bind_blob(2, blob).run(); !s.ok()) return s;
  if (conn_.changes() == 0) return unknown_agent(id);
  return {};
}

Status SqliteAgentRepository::update_last_seen(const std::vector<std::pair<std::string, int64_t>>& seen) {
  if (seen.empty()) return {};
  // One transaction means one WAL commit (and sync) for the whole batch.
  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  auto stmt = conn_.statement("UPDATE agents SET last_seen = ?2 WHERE id = ?1 AND last_seen < ?2", "update last_seen");
  if (!stmt.ok()) return stmt.status();
  for (const auto& [id, at] : seen) {
    if (Status s = stmt->bind_text(1, id).bind_int64(2, at).run(); !s.ok()) return s;
    stmt->reset();
  }
  return txn->commit();
}

Status SqliteAgentRepository::revoke(const std::string& id, int64_t at) {
  // revoked_at = 0 means "not revoked".
  if (at <= 0) return error(ErrorCode::invalid_argument, "revocation time must be positive");
  auto stmt = conn_.statement(
      "UPDATE agents SET revoked_at = CASE WHEN revoked_at = 0 THEN ?2 ELSE revoked_at END WHERE id = ?1",
      "revoke agent");
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_text(1, id).bind_int64(2, at).run(); !s.ok()) return s;
  if (conn_.changes() == 0) return unknown_agent(id);
  return {};
}

Status SqliteAgentRepository::replace_certificate_serial(const std::string& id, const std::string& serial) {
  if (serial.empty()) return error(ErrorCode::invalid_argument, "certificate serial is empty");
  auto stmt = conn_.statement("UPDATE agents SET certificate_serial = ?2 WHERE id = ?1 AND revoked_at = 0",
                              "replace certificate serial");
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_text(1, id).bind_text(2, serial).run(); !s.ok()) return s;
  if (conn_.changes() == 0) return unknown_agent(id);
  return {};
}

Result<std::vector<std::string>> SqliteAgentRepository::list_revoked_serials() {
  auto stmt = conn_.statement(
      "SELECT certificate_serial FROM agents WHERE revoked_at <> 0 ORDER BY revoked_at, certificate_serial",
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

}  // namespace corral::store
