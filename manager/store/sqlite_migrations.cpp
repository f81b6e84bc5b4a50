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
};

}  // namespace

std::span<const Migration> sqlite_migrations() { return kMigrations; }

}  // namespace corral::store
