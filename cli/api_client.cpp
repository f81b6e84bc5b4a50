#include "cli/api_client.h"

#include <google/protobuf/util/json_util.h>

#include "cli/api_error.h"
#include "cli/client_version.h"

namespace corral::cli {

std::string escape_path_segment(const std::string& segment) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : segment) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string query_string(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    out += out.empty() ? '?' : '&';
    out += escape_path_segment(name) + "=" + escape_path_segment(value);
  }
  return out;
}

ApiClient::ApiClient(Settings settings, Transport transport)
    : settings_(std::move(settings)), transport_(std::move(transport)) {}

Result<http::Response> ApiClient::exchange(const std::string& method, const std::string& path, const std::string* body,
                                           const std::string& accept, const std::string* bearer) {
  http::Request request;
  request.method = method;
  request.url = settings_.server + path;
  request.tls.ca_pem = settings_.ca_pem;
  request.headers.emplace_back("Accept", accept);
  request.headers.emplace_back("User-Agent", std::string("corralctl/") + client_version());
  if (bearer != nullptr) request.headers.emplace_back("Authorization", "Bearer " + *bearer);
  if (body) {
    request.body = *body;
    request.headers.emplace_back("Content-Type", "application/json");
  }

  auto response = transport_(request);
  if (!response.ok()) {
    std::string message = "cannot reach the manager: " + response.status().message();
    if (settings_.ca_pem.empty() && message.find("certificate") != std::string::npos) {
      message += " (if the manager uses its own CA, pass it with --ca-cert FILE)";
    }
    return error(response.status().code(), message);
  }
  if (response->status < 200 || response->status > 299) return api_error(*response);
  return response;
}

Result<http::Response> ApiClient::send(const std::string& method, const std::string& path, const std::string* body,
                                       const std::string& accept) {
  return exchange(method, path, body, accept, &settings_.token);
}

template <typename T>
Result<Reply<T>> ApiClient::call(const std::string& method, const std::string& path,
                                 const google::protobuf::Message* body, bool authenticated) {
  std::string json;
  if (body) {
    auto st = google::protobuf::util::MessageToJsonString(*body, &json);
    if (!st.ok()) return error(ErrorCode::internal, "cannot encode the request to " + path + ": " + st.ToString());
  }
  auto response =
      exchange(method, path, body ? &json : nullptr, "application/json", authenticated ? &settings_.token : nullptr);
  if (!response.ok()) return response.status();

  Reply<T> reply;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto st = google::protobuf::util::JsonStringToMessage(response->body, &reply.message, options);
  if (!st.ok()) {
    return error(ErrorCode::internal,
                 "cannot understand the manager's answer to " + method + " " + path + ": " + st.ToString());
  }
  reply.json = std::move(response->body);
  return reply;
}

Result<Reply<api::v1::ListAgentsResponse>> ApiClient::list_agents(const AgentQuery& query) {
  std::vector<std::pair<std::string, std::string>> params;
  if (query.page_size) params.emplace_back("pageSize", std::to_string(query.page_size));
  if (!query.page_token.empty()) params.emplace_back("pageToken", query.page_token);
  if (!query.status.empty()) params.emplace_back("status", query.status);
  for (const auto& label : query.labels) params.emplace_back("label", label);
  if (!query.server_id.empty()) params.emplace_back("serverId", query.server_id);
  return call<api::v1::ListAgentsResponse>("GET", "/api/v1/agents" + query_string(params), nullptr, true);
}

Result<Reply<api::v1::Agent>> ApiClient::get_agent(const std::string& id) {
  return call<api::v1::Agent>("GET", "/api/v1/agents/" + escape_path_segment(id), nullptr, true);
}

Result<Reply<api::v1::Agent>> ApiClient::revoke_agent(const std::string& id) {
  return call<api::v1::Agent>("DELETE", "/api/v1/agents/" + escape_path_segment(id), nullptr, true);
}

Result<Reply<api::v1::SendCommandResponse>> ApiClient::send_command(const std::string& id,
                                                                    const api::v1::SendCommandRequest& request) {
  return call<api::v1::SendCommandResponse>("POST", "/api/v1/agents/" + escape_path_segment(id) + "/commands", &request,
                                            true);
}

Result<Reply<api::v1::JoinToken>> ApiClient::create_join_token(const api::v1::CreateJoinTokenRequest& request) {
  return call<api::v1::JoinToken>("POST", "/api/v1/join-tokens", &request, true);
}

Result<Reply<api::v1::ListPluginsResponse>> ApiClient::list_plugins() {
  return call<api::v1::ListPluginsResponse>("GET", "/api/v1/plugins", nullptr, true);
}

Result<Reply<api::v1::ListProviderConfigsResponse>> ApiClient::list_provider_configs() {
  return call<api::v1::ListProviderConfigsResponse>("GET", "/api/v1/provider-configs", nullptr, true);
}

Result<Reply<api::v1::ProviderConfig>> ApiClient::get_provider_config(const std::string& id_or_name) {
  return call<api::v1::ProviderConfig>("GET", "/api/v1/provider-configs/" + escape_path_segment(id_or_name), nullptr,
                                       true);
}

Result<Reply<api::v1::ProviderConfig>> ApiClient::create_provider_config(const api::v1::ProviderConfig& config) {
  return call<api::v1::ProviderConfig>("POST", "/api/v1/provider-configs", &config, true);
}

Result<Reply<api::v1::ProviderConfig>> ApiClient::update_provider_config(const std::string& id,
                                                                         const api::v1::ProviderConfig& config) {
  return call<api::v1::ProviderConfig>("PUT", "/api/v1/provider-configs/" + escape_path_segment(id), &config, true);
}

Result<Reply<api::v1::ProviderConfig>> ApiClient::delete_provider_config(const std::string& id) {
  return call<api::v1::ProviderConfig>("DELETE", "/api/v1/provider-configs/" + escape_path_segment(id), nullptr, true);
}

Result<Reply<api::v1::AdminToken>> ApiClient::create_admin_token(const api::v1::CreateAdminTokenRequest& request) {
  return call<api::v1::AdminToken>("POST", "/api/v1/admin-tokens", &request, true);
}

Result<Reply<api::v1::ListAdminTokensResponse>> ApiClient::list_admin_tokens() {
  return call<api::v1::ListAdminTokensResponse>("GET", "/api/v1/admin-tokens", nullptr, true);
}

Result<Reply<api::v1::AdminToken>> ApiClient::revoke_admin_token(const std::string& id) {
  return call<api::v1::AdminToken>("DELETE", "/api/v1/admin-tokens/" + escape_path_segment(id), nullptr, true);
}

Result<Reply<api::v1::Health>> ApiClient::health() { return call<api::v1::Health>("GET", "/healthz", nullptr, false); }

Result<Reply<api::v1::LoginResponse>> ApiClient::login(const api::v1::LoginRequest& request) {
  return call<api::v1::LoginResponse>("POST", "/api/v1/auth/login", &request, false);
}

Status ApiClient::logout(const std::string& user_token) {
  auto r = exchange("POST", "/api/v1/auth/logout", nullptr, "application/json", &user_token);
  return r.ok() ? Status() : r.status();
}

}  // namespace corral::cli
