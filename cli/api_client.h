// The manager's REST API (/api/v1/...) as corralctl sees it: one method per endpoint, JSON in
// and out through the protobuf JSON mapping. The commands call it; the transport is injected so
// tests answer requests without a server.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cli/settings.h"
#include "common/http/client.h"
#include "common/result.h"
#include "corral/api/v1/api.pb.h"

namespace corral::cli {

using Transport = std::function<Result<http::Response>(const http::Request&)>;

// A decoded answer together with the body exactly as the manager sent it, which --json prints
// (so fields this corralctl does not know yet are shown too).
template <typename T>
struct Reply {
  T message;
  std::string json;
};

// GET /api/v1/agents: which page, and which agents. Empty or zero fields are left out of the
// query, so the manager's defaults apply (and a manager without paging ignores the rest).
struct AgentQuery {
  uint32_t page_size = 0;
  std::string page_token;
  std::string status;               // online, missing, offline, revoked
  std::vector<std::string> labels;  // KEY=VALUE, all must match
  std::string server_id;
};

class ApiClient {
 public:
  ApiClient(Settings settings, Transport transport);

  // One page; the caller follows next_page_token (agent_pager.h).
  Result<Reply<api::v1::ListAgentsResponse>> list_agents(const AgentQuery& query = {});
  Result<Reply<api::v1::Agent>> get_agent(const std::string& id);
  // Answers the agent as it is now, revoked.
  Result<Reply<api::v1::Agent>> revoke_agent(const std::string& id);
  Result<Reply<api::v1::SendCommandResponse>> send_command(const std::string& id,
                                                           const api::v1::SendCommandRequest& request);
  // The answer's `token` is the secret, shown by the manager this once only.
  Result<Reply<api::v1::JoinToken>> create_join_token(const api::v1::CreateJoinTokenRequest& request);
  Result<Reply<api::v1::ListPluginsResponse>> list_plugins();
  Result<Reply<api::v1::ListProviderConfigsResponse>> list_provider_configs();
  Result<Reply<api::v1::ProviderConfig>> get_provider_config(const std::string& id_or_name);
  Result<Reply<api::v1::ProviderConfig>> create_provider_config(const api::v1::ProviderConfig& config);
  Result<Reply<api::v1::ProviderConfig>> update_provider_config(const std::string& id,
                                                                const api::v1::ProviderConfig& config);
  Result<Reply<api::v1::ProviderConfig>> delete_provider_config(const std::string& id);
  // The answer's `token` is the secret, shown by the manager this once only.
  Result<Reply<api::v1::AdminToken>> create_admin_token(const api::v1::CreateAdminTokenRequest& request);
  Result<Reply<api::v1::ListAdminTokensResponse>> list_admin_tokens();
  // The manager refuses (409) to revoke the last admin token, which would lock everyone out.
  Result<Reply<api::v1::AdminToken>> revoke_admin_token(const std::string& id);
  // Unauthenticated; the token is not sent.
  Result<Reply<api::v1::Health>> health();
  // A directory user signs in; unauthenticated. The answer's `token` is the user's secret.
  Result<Reply<api::v1::LoginResponse>> login(const api::v1::LoginRequest& request);
  // The manager forgets USER_TOKEN (sent instead of the settings' token).
  Status logout(const std::string& user_token);

  // One authenticated request with a JSON BODY (none when null), for resources whose messages
  // this corralctl builds itself (broker_api.h). A 2xx answer is returned as it came, headers
  // included; anything else is the manager's error (api_error.h).
  Result<http::Response> send(const std::string& method, const std::string& path, const std::string* body,
                              const std::string& accept = "application/json");

 private:
  // BEARER: the token to send; null sends none.
  Result<http::Response> exchange(const std::string& method, const std::string& path, const std::string* body,
                                  const std::string& accept, const std::string* bearer);

  template <typename T>
  Result<Reply<T>> call(const std::string& method, const std::string& path, const google::protobuf::Message* body,
                        bool authenticated);

  Settings settings_;
  Transport transport_;
};

// Percent-encodes everything but RFC 3986 unreserved characters, for one path segment or one
// query name or value.
std::string escape_path_segment(const std::string& segment);

// "?name=value&..." with names and values escaped, in the given order; "" when PARAMS is empty.
std::string query_string(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace corral::cli
