#include "manager/store/sqlite_migrations.h"

namespace corral::store {

namespace {

// Labels live in child tables (one row per key) rather than a serialized blob, so a later
// "agents with label X" query and the PostgreSQL schema can use them as they are; the Hello and
// CapacityReport are opaque serialized protobuf BLOBs because only the manager reads them whole.
// Integers are unix seconds, with 0 meaning "not yet" (used_at, last_seen, revoked_at) so the
// records need no NULL handling. agents.join_token_id is deliberately not a foreign key: an
// agent outlives any clean-up of old tokens.
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE join_tokens (
  id TEXT PRIMARY KEY NOT NULL,
  secret_sha256 TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER NOT NULL DEFAULT 0,
  used_by_agent TEXT NOT NULL DEFAULT '',
  server_id TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT ''
);
CREATE INDEX join_tokens_unused_expiry ON join_tokens(expires_at) WHERE used_at = 0;

CREATE TABLE join_token_labels (
  token_id TEXT NOT NULL REFERENCES join_tokens(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (token_id, key)
) WITHOUT ROWID;

CREATE TABLE agents (
  id TEXT PRIMARY KEY NOT NULL,
  certificate_serial TEXT NOT NULL UNIQUE,
  enrolled_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL DEFAULT 0,
  revoked_at INTEGER NOT NULL DEFAULT 0,
  join_token_id TEXT NOT NULL,
  server_id TEXT NOT NULL DEFAULT '',
  hello BLOB NOT NULL DEFAULT x'',
  capacity BLOB NOT NULL DEFAULT x''
);
CREATE INDEX agents_enrolled ON agents(enrolled_at, id);
CREATE INDEX agents_revoked ON agents(revoked_at) WHERE revoked_at <> 0;

CREATE TABLE agent_labels (
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (agent_id, key)
) WITHOUT ROWID;

CREATE TABLE admin_tokens (
  id TEXT PRIMARY KEY NOT NULL,
  secret_sha256 TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
)sql"},
    // Provider configs. config_json holds secret fields sealed (common/secret_box.h).
    {2, R"sql(
CREATE TABLE provider_configs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  plugin TEXT NOT NULL,
  config_json TEXT NOT NULL,
  startup_script_template TEXT NOT NULL,
  max_instances INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
)sql"},
    // The autoscaler's intent log. Not foreign keys to provider configs or servers: an intent is
    // the record of what was attempted and must outlive what it names. The partial index serves
    // list_unfinished, which runs at every start.
    {3, R"sql(
CREATE TABLE intents (
  id TEXT PRIMARY KEY NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('create_vm', 'delete_vm')),
  idempotency_key TEXT NOT NULL UNIQUE,
  provider_config_id TEXT NOT NULL DEFAULT '',
  autoscale_config_id TEXT NOT NULL DEFAULT '',
  server_id TEXT NOT NULL DEFAULT '',
  vm_id TEXT NOT NULL DEFAULT '',
  payload BLOB NOT NULL DEFAULT x'',
  created_at INTEGER NOT NULL,
  done_at INTEGER NOT NULL DEFAULT 0,
  outcome TEXT NOT NULL DEFAULT ''
);
CREATE INDEX intents_unfinished ON intents(created_at, id) WHERE done_at = 0;

CREATE TABLE intent_tags (
  intent_id TEXT NOT NULL REFERENCES intents(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (intent_id, key)
) WITHOUT ROWID;
)sql"},
    // Leases for singleton jobs among managers sharing a database. Times in unix milliseconds.
    {4, R"sql(
CREATE TABLE leases (
  name TEXT PRIMARY KEY NOT NULL,
  holder TEXT NOT NULL,
  expires_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
    // Which values of a provider config are secrets, as a JSON array of JSON Pointers decided from
    // the plugin's schema at save time. NULL for configs saved before: they are shown the old way.
    {5, R"sql(
ALTER TABLE provider_configs ADD COLUMN secret_paths TEXT;
)sql"},
    // The session broker's model (docs/broker-model.md). Label sets and assigned users are child
    // tables like agent labels. A server or workspace keeps its pool (no cascade: the API refuses
    // to delete a pool in use and says why). Sessions outlive what they name only once ended, so
    // their references are set to NULL on delete, and a CHECK keeps a running session's server
    // and pool. `user_name`, not `user`: USER is reserved in PostgreSQL. The partial indexes
    // serve the broker's own questions (running sessions per server, expired reservations); the
    // others serve the list filters, in id order for keyset paging, and the foreign keys.
    {6, R"sql(
CREATE TABLE pools (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL CHECK (type IN ('server', 'docker_agent')),
  server_assignment INTEGER NOT NULL CHECK (server_assignment IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  revision INTEGER NOT NULL
);

CREATE TABLE pool_labels (
  pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
  label TEXT NOT NULL,
  PRIMARY KEY (pool_id, label)
) WITHOUT ROWID;

CREATE TABLE servers (
  id TEXT PRIMARY KEY NOT NULL,
  pool_id TEXT NOT NULL REFERENCES pools(id),
  hostname TEXT NOT NULL,
  address TEXT NOT NULL,
  connection_type TEXT NOT NULL CHECK (connection_type IN ('rdp', 'ssh', 'vnc')),
  connection_port INTEGER NOT NULL,
  connection_username TEXT NOT NULL,
  connection_password_sealed TEXT NOT NULL,
  max_sessions INTEGER NOT NULL,
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  draining INTEGER NOT NULL CHECK (draining IN (0, 1)),
  origin TEXT NOT NULL CHECK (origin IN ('static', 'autoscaled')),
  autoscale_config_id TEXT NOT NULL,
  vm_id TEXT NOT NULL,
  agent_id TEXT UNIQUE REFERENCES agents(id) ON DELETE SET NULL,
  cores_milli_override INTEGER NOT NULL,
  memory_bytes_override INTEGER NOT NULL,
  gpus_override INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  UNIQUE (pool_id, hostname)
);
CREATE INDEX servers_pool ON servers(pool_id, id);

CREATE TABLE server_labels (
  server_id TEXT NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
  label TEXT NOT NULL,
  PRIMARY KEY (server_id, label)
) WITHOUT ROWID;

CREATE TABLE server_users (
  server_id TEXT NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
  user_name TEXT NOT NULL,
  PRIMARY KEY (server_id, user_name)
) WITHOUT ROWID;

CREATE TABLE workspaces (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL UNIQUE,
  pool_id TEXT NOT NULL REFERENCES pools(id),
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  cores_milli INTEGER NOT NULL,
  memory_bytes INTEGER NOT NULL,
  gpus INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  revision INTEGER NOT NULL
);
CREATE INDEX workspaces_pool ON workspaces(pool_id, id);

CREATE TABLE workspace_labels (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('include', 'exclude')),
  label TEXT NOT NULL,
  PRIMARY KEY (workspace_id, kind, label)
) WITHOUT ROWID;

CREATE TABLE sessions (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT REFERENCES workspaces(id) ON DELETE SET NULL,
  pool_id TEXT REFERENCES pools(id) ON DELETE SET NULL,
  server_id TEXT REFERENCES servers(id) ON DELETE SET NULL,
  user_name TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('reserved', 'active', 'ended')),
  end_reason TEXT NOT NULL
    CHECK (end_reason IN ('none', 'user', 'admin', 'agent', 'expired_reservation', 'server_deleted')),
  origin TEXT NOT NULL CHECK (origin IN ('placed', 'reported')),
  agent_session_id TEXT NOT NULL,
  cores_milli INTEGER NOT NULL,
  memory_bytes INTEGER NOT NULL,
  gpus INTEGER NOT NULL,
  reserved_at INTEGER NOT NULL,
  reservation_expires_at INTEGER NOT NULL,
  activated_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL,
  CHECK (state = 'ended' OR (server_id IS NOT NULL AND pool_id IS NOT NULL)),
  CHECK ((state = 'ended') = (end_reason <> 'none'))
);
CREATE INDEX sessions_pool ON sessions(pool_id, id);
CREATE INDEX sessions_server ON sessions(server_id, id);
CREATE INDEX sessions_workspace ON sessions(workspace_id, id);
CREATE INDEX sessions_user ON sessions(user_name, id);
CREATE INDEX sessions_state ON sessions(state, id);
CREATE INDEX sessions_unfinished_server ON sessions(server_id) WHERE state <> 'ended';
CREATE INDEX sessions_reservations ON sessions(reservation_expires_at, id) WHERE state = 'reserved';
CREATE INDEX sessions_ended ON sessions(ended_at) WHERE state = 'ended';
)sql"},
    // A pool's Remote Desktop Gateway (written into its sessions' .rdp files): '' = none,
    // port 0 = 443. Columns rather than a table of their own: a pool has at most one.
    {7, R"sql(
ALTER TABLE pools ADD COLUMN rd_gateway_hostname TEXT NOT NULL DEFAULT '';
ALTER TABLE pools ADD COLUMN rd_gateway_port INTEGER NOT NULL DEFAULT 0
  CHECK (rd_gateway_port BETWEEN 0 AND 65535);
)sql"},
    // The event log. AUTOINCREMENT: an id is never given twice, even after the newest rows are
    // deleted, so a client following with the last id it saw never misses or repeats one. No
    // foreign keys: events outlive what they name.
    {8, R"sql(
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL CHECK (at_ms > 0),
  kind TEXT NOT NULL CHECK (kind <> ''),
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
  pool_id TEXT NOT NULL,
  autoscale_config_id TEXT NOT NULL,
  server_id TEXT NOT NULL,
  vm_id TEXT NOT NULL,
  message TEXT NOT NULL CHECK (message <> '')
);
CREATE INDEX events_pool ON events(pool_id, id) WHERE pool_id <> '';
CREATE INDEX events_autoscale_config ON events(autoscale_config_id, id) WHERE autoscale_config_id <> '';
CREATE INDEX events_server ON events(server_id, id) WHERE server_id <> '';
CREATE INDEX events_at ON events(at_ms);
)sql"},
    // Autoscale configs (docs/autoscaling.md). A config keeps its pool and provider config (no
    // cascade: the API refuses those deletes and names the configs). Server-pool and docker-pool
    // settings share one row: a pool's type decides which of them the autoscaler reads, and the
    // API refuses the others. Schedules are child rows in the order given; days is a bit set,
    // Sunday = bit 0. The pool index serves the list filter in id order and the pool delete check.
    {9, R"sql(
CREATE TABLE autoscale_configs (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL UNIQUE,
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  pool_id TEXT NOT NULL REFERENCES pools(id),
  provider_config_id TEXT NOT NULL REFERENCES provider_configs(id),
  deployment_zone TEXT NOT NULL,
  priority INTEGER NOT NULL CHECK (priority >= 0),
  dry_run INTEGER NOT NULL CHECK (dry_run IN (0, 1)),
  max_instances INTEGER NOT NULL CHECK (max_instances >= 1),
  downscale_backoff_seconds INTEGER NOT NULL CHECK (downscale_backoff_seconds >= 0),
  provision_timeout_seconds INTEGER NOT NULL CHECK (provision_timeout_seconds >= 1),
  hostname_pattern TEXT NOT NULL,
  minimum_available_sessions INTEGER NOT NULL CHECK (minimum_available_sessions >= 0),
  max_sessions_per_server INTEGER NOT NULL CHECK (max_sessions_per_server >= 1),
  reusable INTEGER NOT NULL CHECK (reusable IN (0, 1)),
  require_checkin INTEGER NOT NULL CHECK (require_checkin IN (0, 1)),
  connection_type TEXT NOT NULL CHECK (connection_type IN ('rdp', 'ssh', 'vnc')),
  connection_port INTEGER NOT NULL CHECK (connection_port BETWEEN 0 AND 65535),
  connection_username TEXT NOT NULL,
  connection_password_sealed TEXT NOT NULL,
  connection_info TEXT NOT NULL,
  ad_create_machine_record INTEGER NOT NULL CHECK (ad_create_machine_record IN (0, 1)),
  ldap_config_id TEXT NOT NULL,
  ad_computer_container_dn TEXT NOT NULL,
  ad_recursive_cleanup INTEGER NOT NULL CHECK (ad_recursive_cleanup IN (0, 1)),
  standby_cores INTEGER NOT NULL CHECK (standby_cores >= 0),
  standby_memory_mb INTEGER NOT NULL CHECK (standby_memory_mb >= 0),
  standby_gpus INTEGER NOT NULL CHECK (standby_gpus >= 0),
  cores_milli_override INTEGER NOT NULL,
  memory_bytes_override INTEGER NOT NULL,
  gpus_override INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  revision INTEGER NOT NULL
);
CREATE INDEX autoscale_configs_pool ON autoscale_configs(pool_id, id);
CREATE INDEX autoscale_configs_provider_config ON autoscale_configs(provider_config_id, id);

CREATE TABLE autoscale_schedules (
  config_id TEXT NOT NULL REFERENCES autoscale_configs(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  days INTEGER NOT NULL CHECK (days BETWEEN 1 AND 127),
  start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
  end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1440 AND end_minute <> start_minute),
  time_zone TEXT NOT NULL,
  PRIMARY KEY (config_id, position)
) WITHOUT ROWID;
)sql"},
    // LDAP configs (docs/active-directory.md). The bind password is sealed (SecretBox) like
    // provider secrets; timeouts in milliseconds.
    {10, R"sql(
CREATE TABLE ldap_configs (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL UNIQUE,
  url TEXT NOT NULL,
  start_tls INTEGER NOT NULL CHECK (start_tls IN (0, 1)),
  bind_dn TEXT NOT NULL,
  bind_password_sealed TEXT NOT NULL,
  ca_certificate TEXT NOT NULL,
  base_dn TEXT NOT NULL,
  connect_timeout_ms INTEGER NOT NULL,
  operation_timeout_ms INTEGER NOT NULL,
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  computer_container_dn TEXT NOT NULL,
  hostname_pattern TEXT NOT NULL,
  recursive_delete INTEGER NOT NULL CHECK (recursive_delete IN (0, 1)),
  revision INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
)sql"},
    // An autoscaled server's intents by server: the create intent carries its AD computer record
    // (the record's DN, its join password until the server checks in), read when the server checks
    // in or is deleted.
    {11, R"sql(
CREATE INDEX intents_server ON intents(server_id);
)sql"},
    // User sign-in (docs/active-directory.md, "User sign-in"): the directory groups a workspace
    // allows, one row each like its labels; an LDAP config's search filter for users.
    {12, R"sql(
CREATE TABLE workspace_groups (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  group_name TEXT NOT NULL,
  PRIMARY KEY (workspace_id, group_name)
) WITHOUT ROWID;
ALTER TABLE ldap_configs ADD COLUMN user_filter TEXT NOT NULL DEFAULT '';
)sql"},
};

}  // namespace

std::span<const Migration> sqlite_migrations() { return kMigrations; }

}  // namespace corral::store
