#include "manager/store/sqlite_autoscale_config_repository.h"

#include <iterator>

#include "manager/store/autoscale_validation.h"
#include "manager/store/sqlite_select.h"

namespace corral::store {

namespace {

// The columns an insert and an update both write, bound to ?2 ... ?31 in this order. ?1 is the id;
// an insert adds the pool (?32) and created_at (?33), an update the expected revision (?32).
constexpr const char* kSettings[] = {
    "name",
    "enabled",
    "provider_config_id",
    "deployment_zone",
    "priority",
    "dry_run",
    "max_instances",
    "downscale_backoff_seconds",
    "provision_timeout_seconds",
    "hostname_pattern",
    "minimum_available_sessions",
    "max_sessions_per_server",
    "reusable",
    "require_checkin",
    "connection_type",
    "connection_port",
    "connection_username",
    "connection_password_sealed",
    "connection_info",
    "ad_create_machine_record",
    "ldap_config_id",
    "ad_computer_container_dn",
    "ad_recursive_cleanup",
    "standby_cores",
    "standby_memory_mb",
    "standby_gpus",
    "cores_milli_override",
    "memory_bytes_override",
    "gpus_override",
    "updated_at",
};
constexpr int kFirstSetting = 2;
constexpr int kAfterSettings = kFirstSetting + static_cast<int>(std::size(kSettings));

std::string param(int index) { return "?" + std::to_string(index); }

std::string joined_settings(bool with_params) {
  std::string out;
  for (size_t i = 0; i < std::size(kSettings); ++i) {
    if (i > 0) out += ", ";
    out += kSettings[i];
    if (with_params) out += " = " + param(kFirstSetting + static_cast<int>(i));
  }
  return out;
}

const std::string& insert_sql() {
  static const std::string sql = [] {
    std::string values;
    for (int i = kFirstSetting; i < kAfterSettings; ++i) values += ", " + param(i);
    return "INSERT INTO autoscale_configs (id, pool_id, created_at, revision, " + joined_settings(false) +
           ") VALUES (?1, " + param(kAfterSettings) + ", " + param(kAfterSettings + 1) + ", 1" + values + ")";
  }();
  return sql;
}

// The revision check and the write are one statement (see SqlitePoolRepository).
const std::string& compare_and_set_sql() {
  static const std::string sql = "UPDATE autoscale_configs SET " + joined_settings(true) +
                                 ", revision = " + param(kAfterSettings) +
                                 " + 1 WHERE id = ?1 AND revision = " + param(kAfterSettings);
  return sql;
}

std::string select_where(std::string_view where) {
  return "SELECT id, pool_id, created_at, revision, " + joined_settings(false) + " FROM autoscale_configs " +
         std::string(where);
}

constexpr const char* kDeleteSchedules = "DELETE FROM autoscale_schedules WHERE config_id = ?1";
constexpr const char* kInsertSchedule =
    "INSERT INTO autoscale_schedules (config_id, position, days, start_minute, end_minute, time_zone) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr const char* kSelectSchedules =
    "SELECT days, start_minute, end_minute, time_zone FROM autoscale_schedules WHERE config_id = ?1 ORDER BY position";

int64_t flag(bool b) { return b ? 1 : 0; }

// Binds kSettings in their order.
Statement& bind_settings(Statement& stmt, const AutoscaleConfigRecord& c) {
  int i = kFirstSetting;
  auto text = [&](const std::string& v) { stmt.bind_text(i++, v); };
  auto number = [&](int64_t v) { stmt.bind_int64(i++, v); };
  const ResourceAmounts& o = c.agent_resource_overrides;
  text(c.name);
  number(flag(c.enabled));
  text(c.provider_config_id);
  text(c.deployment_zone);
  number(c.priority);
  number(flag(c.dry_run));
  number(c.max_instances);
  number(c.downscale_backoff_seconds);
  number(c.provision_timeout_seconds);
  text(c.hostname_pattern);
  number(c.minimum_available_sessions);
  number(c.max_sessions_per_server);
  number(flag(c.reusable));
  number(flag(c.require_checkin));
  text(connection_type_name(c.connection_type));
  number(c.connection_port);
  text(c.connection_username);
  text(c.connection_password_sealed);
  text(c.connection_info);
  number(flag(c.ad_create_machine_record));
  text(c.ldap_config_id);
  text(c.ad_computer_container_dn);
  number(flag(c.ad_recursive_machine_record_cleanup));
  number(c.standby_cores);
  number(c.standby_memory_mb);
  number(c.standby_gpus);
  number(o.cores_milli);
  number(o.memory_bytes);
  number(o.gpus);
  number(c.updated_at);
  return stmt;
}

Result<AutoscaleConfigRecord> read_row(const Statement& stmt) {
  AutoscaleConfigRecord c;
  c.id = stmt.column_text(0);
  c.pool_id = stmt.column_text(1);
  c.created_at = stmt.column_int64(2);
  c.revision = static_cast<uint64_t>(stmt.column_int64(3));
  int i = 4;
  auto text = [&] { return stmt.column_text(i++); };
  auto number = [&] { return stmt.column_int64(i++); };
  auto boolean = [&] { return stmt.column_int64(i++) != 0; };
  c.name = text();
  c.enabled = boolean();
  c.provider_config_id = text();
  c.deployment_zone = text();
  c.priority = static_cast<uint32_t>(number());
  c.dry_run = boolean();
  c.max_instances = number();
  c.downscale_backoff_seconds = number();
  c.provision_timeout_seconds = number();
  c.hostname_pattern = text();
  c.minimum_available_sessions = number();
  c.max_sessions_per_server = number();
  c.reusable = boolean();
  c.require_checkin = boolean();
  auto type = parse_connection_type(text());
  if (!type) return error(ErrorCode::internal, "stored autoscale config " + c.id + " has an unknown connection type");
  c.connection_type = *type;
  c.connection_port = static_cast<uint32_t>(number());
  c.connection_username = text();
  c.connection_password_sealed = text();
  c.connection_info = text();
  c.ad_create_machine_record = boolean();
  c.ldap_config_id = text();
  c.ad_computer_container_dn = text();
  c.ad_recursive_machine_record_cleanup = boolean();
  c.standby_cores = number();
  c.standby_memory_mb = number();
  c.standby_gpus = number();
  c.agent_resource_overrides.cores_milli = number();
  c.agent_resource_overrides.memory_bytes = number();
  c.agent_resource_overrides.gpus = number();
  c.updated_at = number();
  return c;
}

}  // namespace

Status SqliteAutoscaleConfigRepository::check_exists(const char* table, const std::string& id, const char* what) {
  // Asked rather than read from the foreign key's failure, which does not say which key failed.
  auto known = conn_.any_row(std::string("SELECT 1 FROM ") + table + " WHERE id = ?1", id, "check autoscale refs");
  if (!known.ok()) return known.status();
  if (!*known) return error(ErrorCode::failed_precondition, std::string("no ") + what + " " + id);
  return {};
}

Status SqliteAutoscaleConfigRepository::write_schedules(const AutoscaleConfigRecord& c) {
  auto del = conn_.statement(kDeleteSchedules, "delete autoscale schedules");
  if (!del.ok()) return del.status();
  if (Status s = del->bind_text(1, c.id).run(); !s.ok()) return s;
  for (size_t i = 0; i < c.schedules.size(); ++i) {
    const AutoscaleSchedule& w = c.schedules[i];
    auto stmt = conn_.statement(kInsertSchedule, "insert autoscale schedule");
    if (!stmt.ok()) return stmt.status();
    Status s = stmt->bind_text(1, c.id)
                   .bind_int64(2, static_cast<int64_t>(i))
                   .bind_int64(3, w.days)
                   .bind_int64(4, w.start_minute)
                   .bind_int64(5, w.end_minute)
                   .bind_text(6, w.time_zone)
                   .run();
    if (!s.ok()) return s;
  }
  return {};
}

Status SqliteAutoscaleConfigRepository::read_schedules(AutoscaleConfigRecord& c) {
  auto stmt = conn_.statement(kSelectSchedules, "select autoscale schedules");
  if (!stmt.ok()) return stmt.status();
  stmt->bind_text(1, c.id);
  while (true) {
    auto row = stmt->step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    c.schedules.push_back({static_cast<uint8_t>(stmt->column_int64(0)), static_cast<int32_t>(stmt->column_int64(1)),
                           static_cast<int32_t>(stmt->column_int64(2)), stmt->column_text(3)});
  }
  return {};
}

Status SqliteAutoscaleConfigRepository::insert(const AutoscaleConfigRecord& config) {
  auto c = checked_autoscale_config(config);
  if (!c.ok()) return c.status();
  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  if (Status s = check_exists("pools", c->pool_id, "pool"); !s.ok()) return s;
  if (Status s = check_exists("provider_configs", c->provider_config_id, "provider config"); !s.ok()) return s;
  auto stmt = conn_.statement(insert_sql(), "insert autoscale config");
  if (!stmt.ok()) return stmt.status();
  Status s = bind_settings(stmt->bind_text(1, c->id), *c)
                 .bind_text(kAfterSettings, c->pool_id)
                 .bind_int64(kAfterSettings + 1, c->created_at)
                 .run();
  if (s.ok()) s = write_schedules(*c);
  if (!s.ok()) return s;
  return txn->commit();
}

Result<std::vector<AutoscaleConfigRecord>> SqliteAutoscaleConfigRepository::select(
    std::string_view sql, const std::vector<std::string>& params, int64_t limit) {
  // One snapshot for the rows and their schedules.
  auto txn = conn_.begin(Transaction::Kind::read);
  if (!txn.ok()) return txn.status();
  auto rows = select_records<AutoscaleConfigRecord>(conn_, sql, "select autoscale configs", params, limit, read_row);
  if (!rows.ok()) return rows.status();
  std::vector<AutoscaleConfigRecord>& configs = *rows;
  for (AutoscaleConfigRecord& c : configs) {
    if (Status s = read_schedules(c); !s.ok()) return s;
  }
  if (Status s = txn->commit(); !s.ok()) return s;
  return std::move(configs);
}

Result<std::optional<AutoscaleConfigRecord>> SqliteAutoscaleConfigRepository::select_one(std::string_view sql,
                                                                                         const std::string& key) {
  auto configs = select(sql, {key}, 0);
  if (!configs.ok()) return configs.status();
  if (configs->empty()) return std::optional<AutoscaleConfigRecord>();
  return std::optional<AutoscaleConfigRecord>(std::move(configs->front()));
}

Result<std::optional<AutoscaleConfigRecord>> SqliteAutoscaleConfigRepository::get(const std::string& id) {
  static const std::string sql = select_where("WHERE id = ?1");
  return select_one(sql, id);
}

Result<std::optional<AutoscaleConfigRecord>> SqliteAutoscaleConfigRepository::get_by_name(const std::string& name) {
  static const std::string sql = select_where("WHERE name = ?1");
  return select_one(sql, name);
}

Result<Page<AutoscaleConfigRecord>> SqliteAutoscaleConfigRepository::list(const AutoscaleConfigFilter& filter,
                                                                          const PageRequest& page) {
  if (page.size == 0) return error(ErrorCode::invalid_argument, "page size must be at least 1");
  // '' matches every row for an empty filter field, so one statement serves every filter.
  static const std::string sql = select_where(
      "WHERE (?1 = '' OR pool_id = ?1) AND (?2 = '' OR provider_config_id = ?2) AND (?3 = '' OR ldap_config_id = ?3) "
      "AND id > ?4 ORDER BY id LIMIT ?5");
  auto rows = select(sql, {filter.pool_id, filter.provider_config_id, filter.ldap_config_id, page.after_id},
                     int64_t{page.size} + 1);
  if (!rows.ok()) return rows.status();
  return make_page(std::move(*rows), page.size);
}

Result<UpdateOutcome> SqliteAutoscaleConfigRepository::update(const AutoscaleConfigRecord& config,
                                                              uint64_t expected_revision) {
  auto c = checked_autoscale_config(config);
  if (!c.ok()) return c.status();
  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  {
    auto stmt = conn_.statement(compare_and_set_sql(), "update autoscale config");
    if (!stmt.ok()) return stmt.status();
    Status s = bind_settings(stmt->bind_text(1, c->id), *c)
                   .bind_int64(kAfterSettings, static_cast<int64_t>(expected_revision))
                   .run();
    // The name's UNIQUE index and the foreign key are only consulted when the revision matched.
    if (s.code() == ErrorCode::already_exists) return UpdateOutcome::name_taken;
    if (s.code() == ErrorCode::failed_precondition) {
      if (Status missing = check_exists("provider_configs", c->provider_config_id, "provider config"); !missing.ok())
        return missing;
    }
    if (!s.ok()) return s;
  }
  if (conn_.changes() == 0) {
    auto exists = conn_.any_row("SELECT 1 FROM autoscale_configs WHERE id = ?1", c->id, "select autoscale config id");
    if (!exists.ok()) return exists.status();
    return *exists ? UpdateOutcome::revision_mismatch : UpdateOutcome::not_found;
  }
  Status s = write_schedules(*c);
  if (s.ok()) s = txn->commit();
  if (!s.ok()) return s;
  return UpdateOutcome::updated;
}

Result<RemoveOutcome> SqliteAutoscaleConfigRepository::remove(const std::string& id) {
  auto stmt = conn_.statement("DELETE FROM autoscale_configs WHERE id = ?1", "delete autoscale config");
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_text(1, id).run(); !s.ok()) return s;
  return conn_.changes() == 0 ? RemoveOutcome::not_found : RemoveOutcome::removed;
}

}  // namespace corral::store
