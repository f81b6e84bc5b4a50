// The REST API: routes an HttpRequest from the API listener to the fleet and enrollment
// components and returns the response. Runs on the core thread. docs/api.md lists the routes.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "manager/api/admin_auth.h"
#include "manager/api/provider_configs.h"
#include "manager/fleet/agent_registry.h"
#include "manager/fleet/enrollment.h"
#include "manager/net/transport.h"
#include "manager/providers/provider_registry.h"

namespace corral::manager {

class ApiServer {
 public:
  ApiServer(AgentRegistry& registry, Enrollment& enrollment, const AdminAuth& auth, std::string ca_certificate_pem,
            std::string version);

  HttpResponse handle(const HttpRequest& request);
  // Core thread. Like handle(), for routes that may answer later (provider configs validate on
  // the worker pool); `reply` is called exactly once, on the core thread.
  void handle_async(const HttpRequest& request, std::function<void(HttpResponse)> reply);
  void set_provider_configs(ProviderConfigService* service) { provider_configs_ = service; }
  // The loaded provider plugins, for /api/v1/plugins (none until set).
  void set_providers(const providers::ProviderRegistry* providers) { providers_ = providers; }

 private:
  HttpResponse route(const HttpRequest& request, const std::vector<std::string>& segments);
  HttpResponse agents(const HttpRequest& request, const std::vector<std::string>& segments);
  HttpResponse enroll(const HttpRequest& request);
  HttpResponse create_join_token(const HttpRequest& request);
  HttpResponse list_plugins() const;

  AgentRegistry& registry_;
  Enrollment& enrollment_;
  const AdminAuth& auth_;
  std::string ca_certificate_pem_;
  std::string version_;
  const providers::ProviderRegistry* providers_ = nullptr;
  ProviderConfigService* provider_configs_ = nullptr;
};

}  // namespace corral::manager
