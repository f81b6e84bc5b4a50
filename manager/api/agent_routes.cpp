#include "common/encoding.h"
#include "corral/api/v1/api.pb.h"
#include "manager/api/json.h"
#include "manager/api/query.h"
#include "manager/api/routes.h"
#include "manager/fleet/agent_registry.h"

namespace corral::manager::api {
namespace {

namespace apiv1 = corral::api::v1;

constexpr uint32_t kDefaultPageSize = 500;
constexpr uint32_t kMaxPageSize = 1000;

Result<apiv1::AgentStatus> parse_status(const std::string& text) {
  if (text == "online") return apiv1::AGENT_STATUS_ONLINE;
  if (text == "missing") return apiv1::AGENT_STATUS_MISSING;
  if (text == "offline") return apiv1::AGENT_STATUS_OFFLINE;
  if (text == "revoked") return apiv1::AGENT_STATUS_REVOKED;
  return error(ErrorCode::invalid_argument,
               "query parameter status must be online, missing, offline or revoked, got '" + text.substr(0, 32) + "'");
}

// GET /api/v1/agents: one page, so a 50,000-agent fleet is never built into one answer on the core.
HttpResponse list_agents(const AgentRegistry& registry, const ApiRequest& r) {
  auto query = QueryParams::parse(r.http.query);
  if (!query.ok()) return status_response(query.status());
  auto page_size = query->take_uint("pageSize", kDefaultPageSize, 1, kMaxPageSize);
  if (!page_size.ok()) return status_response(page_size.status());
  AgentFilter filter;
  if (auto status = query->take("status")) {
    auto parsed = parse_status(*status);
    if (!parsed.ok()) return status_response(parsed.status());
    filter.status = *parsed;
  }
  for (const std::string& label : query->take_all("label")) {
    size_t eq = label.find('=');
    if (eq == std::string::npos || eq == 0) {
      return error_response(400, "invalid_argument",
                            "query parameter label must be KEY=VALUE, got '" + label.substr(0, 64) + "'");
    }
    filter.labels[label.substr(0, eq)] = label.substr(eq + 1);
  }
  filter.server_id = query->take("serverId").value_or("");
  std::string after;
  if (auto token = query->take("pageToken"); token && !token->empty()) {
    auto decoded = from_hex(*token);
    if (!decoded)
      return error_response(400, "invalid_argument", "query parameter pageToken is not one this manager issued");
    after = std::move(*decoded);
  }
  if (Status st = query->check_all_taken(); !st.ok()) return status_response(st);

  AgentPage page = registry.list_page(filter, after, *page_size);
  apiv1::ListAgentsResponse out;
  for (auto& a : page.agents) *out.add_agents() = std::move(a);
  if (!page.last_id.empty()) out.set_next_page_token(to_hex(page.last_id));
  return json_response(200, out);
}

}  // namespace

void add_agent_routes(Router& router, AgentRegistry& registry) {
  router.add("GET", "/api/v1/agents", Access::admin,
             [&registry](const ApiRequest& r) { return list_agents(registry, r); });

  router.add("GET", "/api/v1/agents/{id}", Access::admin, [&registry](const ApiRequest& r) {
    auto agent = registry.get(r.param("id"));
    return agent.ok() ? json_response(200, *agent) : status_response(agent.status());
  });

  router.add_async("DELETE", "/api/v1/agents/{id}", Access::admin, [&registry](const ApiRequest& r, Reply reply) {
    registry.revoke(r.param("id"), [reply = std::move(reply)](Result<apiv1::Agent> agent) {
      reply(agent.ok() ? json_response(200, *agent) : status_response(agent.status()));
    });
  });

  router.add("POST", "/api/v1/agents/{id}/commands", Access::admin, [&registry](const ApiRequest& r) {
    apiv1::SendCommandRequest request;
    if (Status st = parse_json_body(r.http.body, &request); !st.ok()) return status_response(st);
    auto sent = registry.send_command(r.param("id"), request.command());
    if (!sent.ok()) return status_response(sent.status());
    apiv1::SendCommandResponse out;
    out.set_command_id(*sent);
    return json_response(202, out);
  });
}

}  // namespace corral::manager::api
