// Pools: named sets of servers with a type, labels and server assignment. The REST API creates
// and edits them; the broker loads them at start. Updates are compare-and-set on the revision; a
// pool that still has autoscale configs, servers, workspaces or running sessions is not deleted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "manager/store/broker_outcomes.h"
#include "manager/store/broker_records.h"
#include "manager/store/page.h"

namespace corral::store {

class PoolRepository {
 public:
  virtual ~PoolRepository() = default;

  // Writes revision 1 (pool.revision is not read). invalid_argument for an empty id, name or
  // label; already_exists on a taken id or name.
  virtual Status insert(const PoolRecord& pool) = 0;
  virtual Result<std::optional<PoolRecord>> get(const std::string& id) = 0;
  virtual Result<std::optional<PoolRecord>> get_by_name(const std::string& name) = 0;
  // In id order.
  virtual Result<Page<PoolRecord>> list(const PageRequest& page) = 0;
  // Replaces every field but id, created_at and revision and makes the revision
  // expected_revision + 1, only if the stored revision is expected_revision.
  virtual Result<UpdateOutcome> update(const PoolRecord& pool, uint64_t expected_revision) = 0;
  // Refused (has_autoscale_configs, has_servers, has_workspaces, has_sessions, in that order)
  // while anything depends on the pool. Its ended sessions stay, with their pool emptied.
  virtual Result<RemoveOutcome> remove(const std::string& id) = 0;
};

}  // namespace corral::store
