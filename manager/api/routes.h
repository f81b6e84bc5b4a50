// Each resource adds its routes to the table; Manager builds the table in dependency order. One
// function per resource, defined in the file named after it.
#pragma once

#include <string>

#include "common/clock.h"
#include "manager/api/router.h"
#include "manager/store/store_executor.h"

namespace corral {
class SecretBox;
}
namespace corral::broker {
class Broker;
}

namespace corral::manager {

class AdminAuth;
class AgentRegistry;
class Enrollment;
class ProviderConfigService;
class LdapConfigService;
class SignInService;
namespace providers {
class ProviderRegistry;
}
namespace workers {
class Executor;
}

namespace api {

class DownloadCatalog;

// GET /healthz.
void add_health_routes(Router& router, const AgentRegistry& registry, const std::string& version);
// POST /api/v1/enroll, GET /api/v1/enroll/ca, POST /api/v1/join-tokens.
// A join token's serverId must name a server `broker` holds (400 /serverId otherwise).
void add_enrollment_routes(Router& router, Enrollment& enrollment, AgentRegistry& registry,
                           std::string ca_certificate_pem, const broker::Broker& broker);
// /api/v1/agents...
void add_agent_routes(Router& router, AgentRegistry& registry);
// GET /api/v1/plugins.
void add_plugin_routes(Router& router, const providers::ProviderRegistry& providers);
// /api/v1/provider-configs...
void add_provider_config_routes(Router& router, ProviderConfigService& service);
// /api/v1/ldap-configs... and POST /api/v1/ldap-configs/{id}/test.
void add_ldap_config_routes(Router& router, LdapConfigService& service);
// POST /api/v1/auth/login (no token) and /api/v1/auth/logout (a user token).
void add_sign_in_routes(Router& router, SignInService& service);
// /api/v1/pools, /servers, /workspaces: reads from the store, writes through the broker.
void add_pool_routes(Router& router, broker::Broker& broker, store::StoreExecutor& store, const Clock& clock);
void add_server_routes(Router& router, broker::Broker& broker, store::StoreExecutor& store, const SecretBox& secrets,
                       const Clock& clock);
void add_workspace_routes(Router& router, broker::Broker& broker, store::StoreExecutor& store, const Clock& clock);
// /api/v1/autoscale-configs...: read and written through the store; passwords sealed with `secrets`.
// `changed` (optional) hears the id of each config created, updated or deleted, once committed.
void add_autoscale_config_routes(Router& router, store::StoreExecutor& store, const SecretBox& secrets,
                                 const Clock& clock, std::function<void(const std::string&)> changed = {});
// /api/v1/admin-tokens...
void add_admin_token_routes(Router& router, store::StoreExecutor& store, AdminAuth& auth, const Clock& clock);
// /api/v1/sessions...: placed and ended through the broker, read from the store. GET
// /api/v1/workspaces... and /api/v1/sessions... also take a user token, which sees only the
// workspaces its groups allow and only its own sessions (403 for the rest).
void add_session_routes(Router& router, broker::Broker& broker, store::StoreExecutor& store);
// GET /api/v1/events: the event log, read from the store.
void add_event_routes(Router& router, store::StoreExecutor& store);
// The worker pool the download routes read and hash files on.
inline constexpr char kDownloadsPool[] = "downloads";
// GET and HEAD /downloads and /downloads/{name}: the files of `catalog`, with no authentication (a
// new VM has no credential yet); their work runs on `workers`' kDownloadsPool.
void add_download_routes(Router& router, DownloadCatalog& catalog, workers::Executor& workers);

}  // namespace api
}  // namespace corral::manager
