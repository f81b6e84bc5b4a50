// /api/v1/provider-configs: create, list, show, replace and delete provider configs.
//
// Saving a config checks, and reports every problem at once with its JSON Pointer: the plugin is
// loaded; the config follows the plugin's JSON Schema; the plugin's own ValidateConfig accepts
// it; the startup-script template parses and uses only the variables the manager and the plugin
// offer (with line and column). Secret fields (the schema's writeOnly properties) are sealed with
// the master key before they are stored and shown as "[redacted]" in every answer.
//
// The plugin call blocks, so validation runs on the provider worker pool; reading and writing the
// store happen on the core thread, before and after it. Reads and deletes stay on the core.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/secret_box.h"
#include "corral/api/v1/api.pb.h"
#include "manager/api/provider_config_check.h"
#include "manager/net/transport.h"
#include "manager/providers/provider_client.h"
#include "manager/store/store_executor.h"
#include "manager/workers/executor.h"

namespace corral::manager {

class ProviderConfigService {
 public:
  using Reply = std::function<void(HttpResponse)>;

  ProviderConfigService(store::StoreExecutor& store, const SecretBox& secrets, const providers::ProviderSet& providers,
                        const Clock& clock, workers::Executor& workers)
      : store_(store), secrets_(secrets), providers_(providers), clock_(clock), workers_(workers) {}

  // Core thread; the routes (add_provider_config_routes) call these. Each answers through `reply`,
  // later: store work goes through the store executor, plugin calls through the worker pool.
  void create(const HttpRequest& request, Reply reply);
  // A compare-and-set on the revision: the update applies only to the revision it was based on —
  // If-Match ("N", 412 when it differs), else the body's `revision` when set, else the revision
  // read when the request arrived (409 when another update landed meanwhile).
  void replace(const std::string& id, const HttpRequest& request, Reply reply);
  void show(const std::string& id_or_name, Reply reply);
  void list(Reply reply);
  void remove(const std::string& id, Reply reply);

 private:
  using Job = ProviderConfigCheck;
  // Validates and seals on the provider pool (at most the plugin's concurrency limit at once),
  // then calls `next` on the core; answers `reply` itself when validation could not run or failed.
  void validate_then(const std::shared_ptr<Job>& job, Reply reply,
                     std::function<void(const std::shared_ptr<Job>&, Reply)> next);
  void store_update(const std::shared_ptr<Job>& job, Reply reply);

  corral::api::v1::ProviderConfig view(const store::ProviderConfigRecord& record) const;

  store::StoreExecutor& store_;
  const SecretBox& secrets_;
  const providers::ProviderSet& providers_;
  const Clock& clock_;
  workers::Executor& workers_;
  workers::Liveness alive_;  // worker completions reach this service only while it lives
};

}  // namespace corral::manager
