#include "manager/store/sqlite_ldap_config_repository.h"

namespace corral::store {

namespace {

constexpr const char* kColumns =
    "id, name, url, start_tls, bind_dn, bind_password_sealed, ca_certificate, base_dn, connect_timeout_ms, "
    "operation_timeout_ms, enabled, computer_container_dn, hostname_pattern, recursive_delete, revision, created_at, "
    "updated_at, user_filter";
constexpr const char* kInsert =
    "INSERT INTO ldap_configs (id, name, url, start_tls, bind_dn, bind_password_sealed, ca_certificate, base_dn, "
    "connect_timeout_ms, operation_timeout_ms, enabled, computer_container_dn, hostname_pattern, recursive_delete, "
    "revision, created_at, updated_at, user_filter) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
    "?13, ?14, ?15, ?16, ?17, ?18)";
// The revision check and the write are one statement (see the provider configs' repository).
constexpr const char* kCompareAndSet =
    "UPDATE ldap_configs SET name = ?2, url = ?3, start_tls = ?4, bind_dn = ?5, bind_password_sealed = ?6, "
    "ca_certificate = ?7, base_dn = ?8, connect_timeout_ms = ?9, operation_timeout_ms = ?10, enabled = ?11, "
    "computer_container_dn = ?12, hostname_pattern = ?13, recursive_delete = ?14, revision = ?15 + 1, "
    "updated_at = ?17, user_filter = ?18 WHERE id = ?1 AND revision = ?15";

// Binds ?1..?14 and ?16..?18 from C; ?15 (the revision) is the caller's.
Statement& bind_fields(Statement& stmt, const LdapConfigRecord& c) {
  return stmt.bind_text(1, c.id)
      .bind_text(2, c.name)
      .bind_text(3, c.url)
      .bind_int64(4, c.start_tls ? 1 : 0)
      .bind_text(5, c.bind_dn)
      .bind_text(6, c.bind_password_sealed)
      .bind_text(7, c.ca_certificate)
      .bind_text(8, c.base_dn)
      .bind_int64(9, c.connect_timeout_ms)
      .bind_int64(10, c.operation_timeout_ms)
      .bind_int64(11, c.enabled ? 1 : 0)
      .bind_text(12, c.computer_container_dn)
      .bind_text(13, c.hostname_pattern)
      .bind_int64(14, c.recursive_delete ? 1 : 0)
      .bind_int64(16, c.created_at)
      .bind_int64(17, c.updated_at)
      .bind_text(18, c.user_filter);
}

LdapConfigRecord read_row(const Statement& stmt) {
  LdapConfigRecord r;
  r.id = stmt.column_text(0);
  r.name = stmt.column_text(1);
  r.url = stmt.column_text(2);
  r.start_tls = stmt.column_int64(3) != 0;
  r.bind_dn = stmt.column_text(4);
  r.bind_password_sealed = stmt.column_text(5);
  r.ca_certificate = stmt.column_text(6);
  r.base_dn = stmt.column_text(7);
  r.connect_timeout_ms = static_cast<uint32_t>(stmt.column_int64(8));
  r.operation_timeout_ms = static_cast<uint32_t>(stmt.column_int64(9));
  r.enabled = stmt.column_int64(10) != 0;
  r.computer_container_dn = stmt.column_text(11);
  r.hostname_pattern = stmt.column_text(12);
  r.recursive_delete = stmt.column_int64(13) != 0;
  r.revision = static_cast<uint64_t>(stmt.column_int64(14));
  r.created_at = stmt.column_int64(15);
  r.updated_at = stmt.column_int64(16);
  r.user_filter = stmt.column_text(17);
  return r;
}

}  // namespace

Status SqliteLdapConfigRepository::insert(const LdapConfigRecord& c) {
  if (c.id.empty() || c.name.empty()) return error(ErrorCode::invalid_argument, "LDAP config id and name are required");
  auto stmt = conn_.statement(kInsert, "insert LDAP config");
  if (!stmt.ok()) return stmt.status();
  return bind_fields(*stmt, c).bind_int64(15, static_cast<int64_t>(c.revision)).run();
}

Result<LdapConfigUpdate> SqliteLdapConfigRepository::update(const LdapConfigRecord& c, uint64_t expected_revision) {
  if (c.name.empty()) return error(ErrorCode::invalid_argument, "LDAP config name is required");
  {
    auto stmt = conn_.statement(kCompareAndSet, "update LDAP config");
    if (!stmt.ok()) return stmt.status();
    Status s = bind_fields(*stmt, c).bind_int64(15, static_cast<int64_t>(expected_revision)).run();
    // The name is checked by its UNIQUE index, only when the revision matched.
    if (s.code() == ErrorCode::already_exists) return LdapConfigUpdate::name_taken;
    if (!s.ok()) return s;
    if (conn_.changes() == 1) return LdapConfigUpdate::updated;
  }
  auto exists = conn_.statement("SELECT 1 FROM ldap_configs WHERE id = ?1", "select LDAP config id");
  if (!exists.ok()) return exists.status();
  exists->bind_text(1, c.id);
  auto row = exists->step();
  if (!row.ok()) return row.status();
  return *row ? LdapConfigUpdate::revision_mismatch : LdapConfigUpdate::not_found;
}

Result<std::optional<LdapConfigRecord>> SqliteLdapConfigRepository::get(const std::string& id) {
  auto stmt =
      conn_.statement(std::string("SELECT ") + kColumns + " FROM ldap_configs WHERE id = ?1", "get LDAP config");
  if (!stmt.ok()) return stmt.status();
  stmt->bind_text(1, id);
  auto row = stmt->step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<LdapConfigRecord>();
  return std::optional<LdapConfigRecord>(read_row(*stmt));
}

Result<std::vector<LdapConfigRecord>> SqliteLdapConfigRepository::list() {
  auto stmt =
      conn_.statement(std::string("SELECT ") + kColumns + " FROM ldap_configs ORDER BY name", "list LDAP configs");
  if (!stmt.ok()) return stmt.status();
  std::vector<LdapConfigRecord> out;
  while (true) {
    auto row = stmt->step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    out.push_back(read_row(*stmt));
  }
}

Status SqliteLdapConfigRepository::remove(const std::string& id) {
  auto stmt = conn_.statement("DELETE FROM ldap_configs WHERE id = ?1", "delete LDAP config");
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_text(1, id).run(); !s.ok()) return s;
  if (conn_.changes() == 0) return error(ErrorCode::not_found, "no LDAP config " + id);
  return {};
}

}  // namespace corral::store
