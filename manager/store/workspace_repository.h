// Workspaces: what users ask for a session of (a pool, include and exclude labels, and for
// docker pools what one session takes). The REST API edits them; the broker loads them and
// copies a workspace's demand into each session it places.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "manager/store/broker_outcomes.h"
#include "manager/store/broker_records.h"
#include "manager/store/page.h"

namespace corral::store {

struct WorkspaceFilter {
  std::string pool_id;  // "" = every pool
};

class WorkspaceRepository {
 public:
  virtual ~WorkspaceRepository() = default;

  // Writes revision 1 (workspace.revision is not read). invalid_argument for an empty id, name,
  // pool id or label, or negative resources; already_exists on a taken id or name;
  // failed_precondition when the pool does not exist.
  virtual Status insert(const WorkspaceRecord& workspace) = 0;
  virtual Result<std::optional<WorkspaceRecord>> get(const std::string& id) = 0;
  virtual Result<std::optional<WorkspaceRecord>> get_by_name(const std::string& name) = 0;
  // In id order.
  virtual Result<Page<WorkspaceRecord>> list(const WorkspaceFilter& filter, const PageRequest& page) = 0;
  // Replaces every field but id, created_at and revision (the pool may change: its sessions keep
  // the pool they were placed in), only if the stored revision is expected_revision.
  virtual Result<UpdateOutcome> update(const WorkspaceRecord& workspace, uint64_t expected_revision) = 0;
  // Refused (has_sessions) while the workspace has reserved or active sessions. Its ended
  // sessions stay, with their workspace emptied.
  virtual Result<RemoveOutcome> remove(const std::string& id) = 0;
};

}  // namespace corral::store
