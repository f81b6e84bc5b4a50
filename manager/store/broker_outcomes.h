// Typed answers shared by the pool, server and workspace repositories, so the REST API can say
// why a write was refused (409 with the reason) without reading error text.
#pragma once

namespace corral::store {

// A compare-and-set update on the revision.
enum class UpdateOutcome {
  updated,
  not_found,
  revision_mismatch,  // the stored revision is not the one the caller read
  name_taken,         // another row has the new name (a server: the hostname, within its pool)
  pool_not_found,     // a workspace was pointed at a pool that does not exist
};
const char* update_outcome_name(UpdateOutcome o);

// A delete that is refused while other rows still depend on the row.
enum class RemoveOutcome {
  removed,
  not_found,
  has_servers,            // a pool with servers
  has_workspaces,         // a pool with workspaces
  has_sessions,           // reserved or active sessions (ended ones never block a delete)
  has_autoscale_configs,  // a pool that autoscale configs scale
};
const char* remove_outcome_name(RemoveOutcome o);

}  // namespace corral::store
