#include "corral/agent/v1/enrollment.pb.h"
#include "corral/api/v1/api.pb.h"
#include "manager/api/json.h"
#include "manager/api/resource_http.h"
#include "manager/api/routes.h"
#include "manager/broker/broker.h"
#include "manager/fleet/agent_registry.h"
#include "manager/fleet/enrollment.h"

namespace corral::manager::api {

void add_enrollment_routes(Router& router, Enrollment& enrollment, AgentRegistry& registry,
                           std::string ca_certificate_pem, const broker::Broker& broker) {
  // The agent authenticates with the join token in the body; a refusal says why (docs/protocol.md).
  router.add_async("POST", "/api/v1/enroll", Access::join_token,
                   [&enrollment, &registry](const ApiRequest& r, Reply reply) {
                     corral::agent::v1::EnrollRequest request;
                     if (Status st = parse_json_body(r.http.body, &request); !st.ok()) {
                       return reply(error_response(400, "bad_request", st.message()));
                     }
                     enrollment.enroll(request, [&registry, reply = std::move(reply)](EnrollmentResult result) {
                       if (!result.response) {
                         const EnrollmentRefusal& no = result.refusal;
                         return reply(error_response(no.http_status, no.reason, no.message));
                       }
                       registry.add_enrolled(std::move(result.agent));
                       reply(json_response(200, *result.response));
                     });
                   });

  router.add("GET", "/api/v1/enroll/ca", Access::anyone, [pem = std::move(ca_certificate_pem)](const ApiRequest&) {
    corral::agent::v1::CaCertificate ca;
    ca.set_ca_certificate_pem(pem);
    return json_response(200, ca);
  });

  router.add_async(
      "POST", "/api/v1/join-tokens", Access::admin, [&enrollment, &broker](const ApiRequest& r, Reply reply) {
        corral::api::v1::CreateJoinTokenRequest request;
        if (Status st = parse_json_body(r.http.body, &request); !st.ok()) return reply(status_response(st));
        // Enrolling with the token binds the agent to the server: it must be one (a server deleted
        // later makes the enrollment refused, server_not_found).
        if (!request.server_id().empty() && broker.find_server(request.server_id()) == nullptr) {
          return reply(violations_response("join token", {{"/serverId", "no server " + request.server_id()}}));
        }
        enrollment.create_join_token(request, [reply = std::move(reply)](Result<corral::api::v1::JoinToken> token) {
          reply(token.ok() ? json_response(201, *token) : status_response(token.status()));
        });
      });
}

}  // namespace corral::manager::api
