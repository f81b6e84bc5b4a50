#include "corral/api/v1/api.pb.h"
#include "manager/api/json.h"
#include "manager/api/routes.h"
#include "manager/fleet/agent_registry.h"

namespace corral::manager::api {

void add_health_routes(Router& router, const AgentRegistry& registry, const std::string& version) {
  router.add("GET", "/healthz", Access::anyone, [&registry, version](const ApiRequest&) {
    corral::api::v1::Health h;
    h.set_status("ok");
    h.set_version(version);
    h.set_agents_connected(static_cast<uint32_t>(registry.connected_count()));
    return json_response(200, h);
  });
}

}  // namespace corral::manager::api
