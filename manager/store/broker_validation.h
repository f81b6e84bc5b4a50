// What every Store implementation checks before it writes a broker record, so the rules do not
// depend on the backend: required ids and names, non-negative resources, sealed passwords, and
// label sets and user lists brought to their stored form (sorted, each once).
#pragma once

#include "common/result.h"
#include "manager/store/broker_records.h"

namespace corral::store {

// Each returns the record as it is to be stored, or invalid_argument naming the field.
Result<PoolRecord> checked_pool(PoolRecord pool);
Result<ServerRecord> checked_server(ServerRecord server);
Result<WorkspaceRecord> checked_workspace(WorkspaceRecord workspace);
// A session about to be inserted: reserved or active, not ended (SessionRepository::insert).
Result<SessionRecord> checked_new_session(SessionRecord session);

}  // namespace corral::store
