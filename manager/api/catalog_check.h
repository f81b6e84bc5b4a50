// The REST API's checks and JSON mapping of pools, servers and workspaces (messages of
// corral.broker.v1): every problem of a request with its JSON Pointer, the request merged with
// the stored row into the record to write (PUT keeps what the contract says it keeps), and the
// record shown back. Pure functions: the routes (pool_routes.cpp, server_routes.cpp,
// workspace_routes.cpp) call them with what the broker holds.
#pragma once

#include <optional>
#include <string>

#include "corral/broker/v1/broker.pb.h"
#include "manager/api/resource_http.h"
#include "manager/store/broker_records.h"

namespace corral::manager::api {

namespace brokerv1 = corral::broker::v1;

// `stored` is null on create. `pool` is the pool the request names (null when none exists).
Violations check_pool(const brokerv1::Pool& in, const store::PoolRecord* stored);
Violations check_server(const brokerv1::Server& in, const store::PoolRecord* pool, const store::ServerRecord* stored);
Violations check_workspace(const brokerv1::Workspace& in, const store::PoolRecord* pool,
                           const store::WorkspaceRecord* stored);

// The record to write: id and timestamps from the caller (`stored` on update), everything the
// request may set from `in`. Call only when the check found nothing.
store::PoolRecord pool_record(const brokerv1::Pool& in, const store::PoolRecord* stored);
store::WorkspaceRecord workspace_record(const brokerv1::Workspace& in, const store::WorkspaceRecord* stored);
// The server's connection password is left as stored (or empty): see password_change().
store::ServerRecord server_record(const brokerv1::Server& in, const store::ServerRecord* stored);

// What a request does to the stored password: keep it, remove it, or set `value` (to be sealed).
struct PasswordChange {
  enum class Kind { keep, remove, set };
  Kind kind = Kind::keep;
  std::string value;
};
PasswordChange password_change(const brokerv1::Server& in);

brokerv1::Pool pool_view(const store::PoolRecord& r);
// The password shows as "[redacted]" when one is stored and is absent when none is.
brokerv1::Server server_view(const store::ServerRecord& r);
brokerv1::Workspace workspace_view(const store::WorkspaceRecord& r);

}  // namespace corral::manager::api
