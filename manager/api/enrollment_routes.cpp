#include "corral/agent/v1/enrollment.pb.h"
#include "corral/api/v1/api.pb.h"
#include "manager/api/json.h"
#include "manager/api/routes.h"
#include "manager/fleet/agent_registry.h"
#include "manager/fleet/enrollment.h"

namespace corral::manager::api {

void add_enrollment_routes(Router& router, Enrollment& enrollment, AgentRegistry& registry,
                           std::string ca_certificate_pem) {
  // The agent authenticates with the join token in the body; a refusal says why (docs/protocol.md).
  router.add("POST", "/api/v1/enroll", Access::join_token, [&enrollment, &registry](const ApiRequest& r) {
    corral::agent::v1::EnrollRequest request;
    if (Status st = parse_json_body(r.http.body, &request); !st.ok()) {
      return error_response(400, "bad_request", st.message());
    }
    EnrollmentRefusal refusal;
    auto response = enrollment.enroll(request, &refusal);
    if (!response.ok()) return error_response(refusal.http_status, refusal.reason, refusal.message);
    if (Status st = registry.add_enrolled(response->agent_id()); !st.ok()) return status_response(st);
    return json_response(200, *response);
  });

  router.add("GET", "/api/v1/enroll/ca", Access::anyone, [pem = std::move(ca_certificate_pem)](const ApiRequest&) {
    corral::agent::v1::CaCertificate ca;
    ca.set_ca_certificate_pem(pem);
    return json_response(200, ca);
  });

  router.add("POST", "/api/v1/join-tokens", Access::admin, [&enrollment](const ApiRequest& r) {
    corral::api::v1::CreateJoinTokenRequest request;
    if (Status st = parse_json_body(r.http.body, &request); !st.ok()) return status_response(st);
    auto token = enrollment.create_join_token(request);
    return token.ok() ? json_response(201, *token) : status_response(token.status());
  });
}

}  // namespace corral::manager::api
