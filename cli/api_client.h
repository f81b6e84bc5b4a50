// The manager's REST API (/api/v1/...) as corralctl sees it: one method per endpoint, JSON in
// and out through the protobuf JSON mapping. The commands call it; the transport is injected so
// tests answer requests without a server.
#pragma once

#include <functional>
#include <string>

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

class ApiClient {
 public:
  ApiClient(Settings settings, Transport transport);

  Result<Reply<api::v1::ListAgentsResponse>> list_agents();
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
  Result<Reply<api::v1::ProviderConfig>> update_provider_config(const std::string& id, const api::v1::ProviderConfig& config);
  Result<Reply<api::v1::ProviderConfig>> delete_provider_config(const std::string& id);
  // Unauthenticated; the token is not sent.
  Result<Reply<api::v1::Health>> health();

 private:
  template <typename T>
  Result<Reply<T>> call(const std::string& method, const std::string& path, const google::protobuf::Message* body,
                        bool authenticated);

  Settings settings_;
  Transport transport_;
};

// Percent-encodes everything but RFC 3986 unreserved characters, for one path segment.
std::string escape_path_segment(const std::string& segment);

}  // namespace corral::cli
