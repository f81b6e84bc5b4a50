// What every Store implementation checks before it writes a broker record, so the rules do not
// depend on the backend: required ids and names, non-negative resources, sealed passwords, and
// label sets and user lists brought to their stored form (sorted, each once).
#pragma once

#include <cstddef>

#include "common/result.h"
#include "manager/store/broker_records.h"

namespace corral::store {

// The longest RD Gateway hostname accepted (a DNS name is at most 253 bytes).
inline constexpr size_t kMaxRdGatewayHostnameBytes = 255;

// invalid_argument naming the field ("rd_gateway hostname ...", "rd_gateway port ...") when the
// hostname is not printable ASCII or holds a space or ';', is too long, or the port is over 65535
// or set without a hostname. The hostname is written into .rdp files line by line: nothing in it
// may end a line or start another setting.
Status check_rd_gateway(const RdGateway& gateway);

// Each returns the record as it is to be stored, or invalid_argument naming the field.
Result<PoolRecord> checked_pool(PoolRecord pool);
Result<ServerRecord> checked_server(ServerRecord server);
Result<WorkspaceRecord> checked_workspace(WorkspaceRecord workspace);
// A session about to be inserted: reserved or active, not ended (SessionRepository::insert).
Result<SessionRecord> checked_new_session(SessionRecord session);

}  // namespace corral::store
