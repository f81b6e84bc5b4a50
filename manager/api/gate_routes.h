// The network thread's request gate lets a few routes through without an admin token; the route
// table says which routes need none. They are two lists because the gate must exist before the
// components the routes call. This check, run at start, keeps them the same.
#pragma once

#include "common/result.h"
#include "manager/api/router.h"
#include "manager/net/request_gate.h"

namespace corral::manager::api {

// internal error naming the first route that one list has and the other lacks.
Status check_gate_matches_routes(const BearerTokenGate& gate, const Router& router);

}  // namespace corral::manager::api
