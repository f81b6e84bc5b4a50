#include "manager/store/sqlite_provider_config_repository.h"

#include <nlohmann/json.hpp>

namespace corral::store {

namespace {

constexpr const char* kInsert =
    "INSERT INTO provider_configs (id, name, plugin, config_json, startup_script_template, max_instances, revision, "
    "created_at, updated_at, secret_paths) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
// The revision check and the write are one statement: of two updates from revision N, one
// changes the row and the other finds revision N+1 and changes nothing.
constexpr const char* kCompareAndSet =
    "UPDATE provider_configs SET name = ?2, plugin = ?3, config_json = ?4, startup_script_template = ?5, "
    "max_instances = ?6, revision = ?7 + 1, updated_at = ?8, secret_paths = ?9 WHERE id = ?1 AND revision = ?7";
constexpr const char* kSelectOne =
    "SELECT id, name, plugin, config_json, startup_script_template, max_instances, revision, created_at, updated_at, "
    "secret_paths FROM provider_configs WHERE id = ?1";
constexpr const char* kSelectAll =
    "SELECT id, name, plugin, config_json, startup_script_template, max_instances, revision, created_at, updated_at, "
    "secret_paths FROM provider_configs ORDER BY name";

// A JSON array of strings; NULL when not recorded.
std::optional<std::string> encode_paths(const std::optional<std::vector<std::string>>& paths) {
  if (!paths) return std::nullopt;
  return nlohmann::json(*paths).dump();
}

Result<std::optional<std::vector<std::string>>> decode_paths(const Statement& stmt, int column, const std::string& id) {
  if (stmt.column_is_null(column)) return std::optional<std::vector<std::string>>();
  auto j = nlohmann::json::parse(stmt.column_text(column), nullptr, false);
  if (!j.is_array()) return error(ErrorCode::internal, "stored secret paths of provider config " + id + " are corrupt");
  std::vector<std::string> out;
  for (const auto& p : j) {
    if (!p.is_string())
      return error(ErrorCode::internal, "stored secret paths of provider config " + id + " are corrupt");
    out.push_back(p.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<ProviderConfigRecord> read_row(const Statement& stmt) {
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
  auto paths = decode_paths(stmt, 9, r.id);
  if (!paths.ok()) return paths.status();
  r.secret_paths = std::move(*paths);
  return r;
}

}  // namespace

Status SqliteProviderConfigRepository::insert(const ProviderConfigRecord& c) {
  if (c.id.empty() || c.name.empty())
    return error(ErrorCode::invalid_argument, "provider config id and name are required");
  auto stmt = conn_.statement(kInsert, "insert provider config");
  if (!stmt.ok()) return stmt.status();
  return stmt->bind_text(1, c.id)
      .bind_text(2, c.name)
      .bind_text(3, c.plugin)
      .bind_text(4, c.config_json)
      .bind_text(5, c.startup_script_template)
      .bind_int64(6, c.max_instances)
      .bind_int64(7, static_cast<int64_t>(c.revision))
      .bind_int64(8, c.created_at)
      .bind_int64(9, c.updated_at)
      .bind_optional_text(10, encode_paths(c.secret_paths))
      .run();
}

Result<ProviderConfigUpdate> SqliteProviderConfigRepository::update(const ProviderConfigRecord& c,
                                                                    uint64_t expected_revision) {
  if (c.name.empty()) return error(ErrorCode::invalid_argument, "provider config name is required");
  {
    auto stmt = conn_.statement(kCompareAndSet, "update provider config");
    if (!stmt.ok()) return stmt.status();
    Status s = stmt->bind_text(1, c.id)
                   .bind_text(2, c.name)
                   .bind_text(3, c.plugin)
                   .bind_text(4, c.config_json)
                   .bind_text(5, c.startup_script_template)
                   .bind_int64(6, c.max_instances)
                   .bind_int64(7, static_cast<int64_t>(expected_revision))
                   .bind_int64(8, c.updated_at)
                   .bind_optional_text(9, encode_paths(c.secret_paths))
                   .run();
    // The name is checked by its UNIQUE index, only when the revision matched.
    if (s.code() == ErrorCode::already_exists) return ProviderConfigUpdate::name_taken;
    if (!s.ok()) return s;
    if (conn_.changes() == 1) return ProviderConfigUpdate::updated;
  }
  auto exists = conn_.statement("SELECT 1 FROM provider_configs WHERE id = ?1", "select provider config id");
  if (!exists.ok()) return exists.status();
  exists->bind_text(1, c.id);
  auto row = exists->step();
  if (!row.ok()) return row.status();
  return *row ? ProviderConfigUpdate::revision_mismatch : ProviderConfigUpdate::not_found;
}

Result<std::optional<ProviderConfigRecord>> SqliteProviderConfigRepository::get(const std::string& id) {
  auto stmt = conn_.statement(kSelectOne, "get provider config");
  if (!stmt.ok()) return stmt.status();
  stmt->bind_text(1, id);
  auto row = stmt->step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<ProviderConfigRecord>();
  auto record = read_row(*stmt);
  if (!record.ok()) return record.status();
  return std::optional<ProviderConfigRecord>(std::move(*record));
}

Result<std::vector<ProviderConfigRecord>> SqliteProviderConfigRepository::list() {
  auto stmt = conn_.statement(kSelectAll, "list provider configs");
  if (!stmt.ok()) return stmt.status();
  std::vector<ProviderConfigRecord> out;
  while (true) {
    auto row = stmt->step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    auto record = read_row(*stmt);
    if (!record.ok()) return record.status();
    out.push_back(std::move(*record));
  }
}

Status SqliteProviderConfigRepository::remove(const std::string& id) {
  auto stmt = conn_.statement("DELETE FROM provider_configs WHERE id = ?1", "delete provider config");
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_text(1, id).run(); !s.ok()) return s;
  if (conn_.changes() == 0) return error(ErrorCode::not_found, "no provider config " + id);
  return {};
}

}  // namespace corral::store
