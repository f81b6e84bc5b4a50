#include "manager/api/api_server.h"

#include <google/protobuf/util/json_util.h>

#include "common/log.h"
#include "corral/agent/v1/enrollment.pb.h"
#include "corral/api/v1/api.pb.h"
#include "manager/api/json.h"

namespace corral::manager {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

HttpResponse method_not_allowed(const HttpRequest& r) {
  return api::error_response(405, "method_not_allowed", r.method + " is not allowed on " + r.path);
}

}  // namespace

ApiServer::ApiServer(AgentRegistry& registry, Enrollment& enrollment, const AdminAuth& auth,
                     std::string ca_certificate_pem, std::string version)
    : registry_(registry),
      enrollment_(enrollment),
      auth_(auth),
      ca_certificate_pem_(std::move(ca_certificate_pem)),
      version_(std::move(version)) {}

HttpResponse ApiServer::handle(const HttpRequest& request) {
  HttpResponse response = route(request, split_path(request.path));
  log::info("api.request", {{"method", request.method},
                            {"path", request.path},
                            {"status", response.status},
                            {"peer", request.peer_address}});
  return response;
}

void ApiServer::handle_async(const HttpRequest& request, std::function<void(HttpResponse)> reply) {
  std::vector<std::string> s = split_path(request.path);
  bool provider_configs = s.size() >= 3 && s[0] == "api" && s[1] == "v1" && s[2] == "provider-configs";
  if (!provider_configs || provider_configs_ == nullptr || !auth_.authorize(request.authorization)) {
    return reply(handle(request));
  }
  provider_configs_->handle(request, s, [method = request.method, path = request.path, peer = request.peer_address,
                                         reply = std::move(reply)](HttpResponse response) {
    log::info("api.request", {{"method", method}, {"path", path}, {"status", response.status}, {"peer", peer}});
    reply(std::move(response));
  });
}

HttpResponse ApiServer::route(const HttpRequest& r, const std::vector<std::string>& s) {
  if (s.size() == 1 && s[0] == "healthz") {
    if (r.method != "GET") return method_not_allowed(r);
    corral::api::v1::Health h;
    h.set_status("ok");
    h.set_version(version_);
    h.set_agents_connected(static_cast<uint32_t>(registry_.connected_count()));
    return api::json_response(200, h);
  }
  if (s.size() < 2 || s[0] != "api" || s[1] != "v1") {
    return api::error_response(404, "not_found", "no route for " + r.path);
  }
  // Enrollment authenticates with the join token in the body, not with an admin token.
  if (s.size() == 3 && s[2] == "enroll") {
    return r.method == "POST" ? enroll(r) : method_not_allowed(r);
  }
  if (s.size() == 4 && s[2] == "enroll" && s[3] == "ca") {
    if (r.method != "GET") return method_not_allowed(r);
    corral::agent::v1::CaCertificate ca;
    ca.set_ca_certificate_pem(ca_certificate_pem_);
    return api::json_response(200, ca);
  }

  if (!auth_.authorize(r.authorization)) {
    return api::error_response(401, "unauthenticated", "a valid admin bearer token is required");
  }
  if (s.size() >= 3 && s[2] == "agents") return agents(r, s);
  if (s.size() == 3 && s[2] == "plugins") {
    return r.method == "GET" ? list_plugins() : method_not_allowed(r);
  }
  if (s.size() == 3 && s[2] == "join-tokens") {
    return r.method == "POST" ? create_join_token(r) : method_not_allowed(r);
  }
  return api::error_response(404, "not_found", "no route for " + r.path);
}

HttpResponse ApiServer::list_plugins() const {
  corral::api::v1::ListPluginsResponse out;
  if (providers_ != nullptr) {
    for (const auto& [name, entry] : providers_->entries()) {
      const auto& d = entry.client->description();
      corral::api::v1::Plugin* p = out.add_plugins();
      p->set_name(name);
      p->set_version(d.version());
      p->set_file(entry.file);
      p->set_isolation(entry.isolation);
      // The plugin's schema was checked at load by the SDK validator's rules only when used; an
      // unparsable one is shown as absent rather than failing the listing.
      (void)google::protobuf::util::JsonStringToMessage(d.config_schema_json(), p->mutable_config_schema());
      for (int os : d.capabilities().os_types()) {
        p->add_os_types(os == corral::provider::v1::OS_TYPE_WINDOWS ? "windows" : "linux");
      }
      p->set_zones(d.capabilities().zones());
      for (const auto& v : d.capabilities().template_variables()) p->add_template_variables(v);
    }
  }
  return api::json_response(200, out);
}

HttpResponse ApiServer::agents(const HttpRequest& r, const std::vector<std::string>& s) {
  if (s.size() == 3) {
    if (r.method != "GET") return method_not_allowed(r);
    corral::api::v1::ListAgentsResponse out;
    for (auto& a : registry_.list()) *out.add_agents() = std::move(a);
    return api::json_response(200, out);
  }
  const std::string& id = s[3];
  if (s.size() == 4) {
    if (r.method == "GET") {
      auto agent = registry_.get(id);
      return agent.ok() ? api::json_response(200, *agent) : api::status_response(agent.status());
    }
    if (r.method == "DELETE") {
      auto agent = registry_.revoke(id);
      return agent.ok() ? api::json_response(200, *agent) : api::status_response(agent.status());
    }
    return method_not_allowed(r);
  }
  if (s.size() == 5 && s[4] == "commands") {
    if (r.method != "POST") return method_not_allowed(r);
    corral::api::v1::SendCommandRequest request;
    if (Status st = api::parse_json_body(r.body, &request); !st.ok()) return api::status_response(st);
    auto sent = registry_.send_command(id, request.command());
    if (!sent.ok()) return api::status_response(sent.status());
    corral::api::v1::SendCommandResponse out;
    out.set_command_id(*sent);
    return api::json_response(202, out);
  }
  return api::error_response(404, "not_found", "no route for " + r.path);
}

HttpResponse ApiServer::create_join_token(const HttpRequest& r) {
  corral::api::v1::CreateJoinTokenRequest request;
  if (Status st = api::parse_json_body(r.body, &request); !st.ok()) return api::status_response(st);
  auto token = enrollment_.create_join_token(request);
  return token.ok() ? api::json_response(201, *token) : api::status_response(token.status());
}

HttpResponse ApiServer::enroll(const HttpRequest& r) {
  corral::agent::v1::EnrollRequest request;
  if (Status st = api::parse_json_body(r.body, &request); !st.ok()) {
    return api::error_response(400, "bad_request", st.message());
  }
  EnrollmentRefusal refusal;
  auto response = enrollment_.enroll(request, &refusal);
  if (!response.ok()) return api::error_response(refusal.http_status, refusal.reason, refusal.message);
  if (Status st = registry_.add_enrolled(response->agent_id()); !st.ok()) return api::status_response(st);
  return api::json_response(200, *response);
}

}  // namespace corral::manager
