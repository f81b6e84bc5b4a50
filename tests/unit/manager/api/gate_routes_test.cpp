#include "manager/api/gate_routes.h"

#include <gtest/gtest.h>

namespace corral::manager::api {
namespace {

SyncHandler ok() {
  return [](const ApiRequest&) { return HttpResponse{}; };
}

BearerTokenGate gate(std::vector<BearerTokenGate::PublicRoute> routes) {
  return BearerTokenGate(std::move(routes), [](std::string_view) { return false; });
}

TEST(GateRoutesTest, TheSamePublicRoutesPass) {
  Router r;
  r.add("GET", "/healthz", Access::anyone, ok());
  r.add("POST", "/api/v1/enroll", Access::join_token, ok());
  r.add("GET", "/api/v1/agents", Access::admin, ok());
  EXPECT_TRUE(check_gate_matches_routes(gate({{"GET", "/healthz", 0}, {"POST", "/api/v1/enroll", 100}}), r).ok());
}

TEST(GateRoutesTest, EachKindOfMismatchIsNamed) {
  Router r;
  r.add("GET", "/healthz", Access::anyone, ok());
  r.add("GET", "/api/v1/agents", Access::admin, ok());

  Status missing = check_gate_matches_routes(gate({}), r);
  EXPECT_EQ(missing.code(), ErrorCode::internal);
  EXPECT_NE(missing.message().find("GET /healthz needs no admin token but the request gate refuses it"),
            std::string::npos)
      << missing.message();

  Status too_open = check_gate_matches_routes(gate({{"GET", "/healthz", 0}, {"GET", "/api/v1/agents", 0}}), r);
  EXPECT_NE(too_open.message().find("GET /api/v1/agents needs an admin token"), std::string::npos)
      << too_open.message();

  Status stray = check_gate_matches_routes(gate({{"GET", "/healthz", 0}, {"GET", "/metrics", 0}}), r);
  EXPECT_NE(stray.message().find("lets GET /metrics through but no route serves it"), std::string::npos)
      << stray.message();
}

}  // namespace
}  // namespace corral::manager::api
