// The manager's view of one loaded provider plugin, whether it runs in-process or inside
// corral-plugin-host. Calls block (a plugin talks to a cloud), so they run on the provider worker
// pool, never on the core or network threads. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "corral/plugin_abi.h"
#include "corral/provider/v1/provider.pb.h"

namespace corral::manager::providers {

namespace pv1 = ::corral::provider::v1;

struct CallOptions {
  // The call's deadline; plugins see it through corral_host_v1.call_deadline_ms and HTTP requests
  // made for the call are bounded by it.
  std::chrono::milliseconds timeout{std::chrono::seconds(120)};
  // Set to true (any thread) to cancel; may be null.
  std::shared_ptr<std::atomic<bool>> cancelled;
};

class ProviderClient {
 public:
  virtual ~ProviderClient() = default;

  // The plugin's Describe answer, read once at load.
  virtual const pv1::DescribeResponse& description() const = 0;

  // One method: the serialized request in, the serialized response out. A call that fails at the
  // boundary (a status other than CORRAL_OK, a crashed plugin host, an undecodable answer) is an
  // error whose message names the plugin and the method. Provider failures (quota, auth...) are
  // not errors here: they are inside the response.
  virtual Result<std::string> invoke(corral_method method, const std::string& request, const CallOptions& options) = 0;
};

// Typed call: serializes `request`, invokes, parses the response.
template <typename Response, typename Request>
Result<Response> call(ProviderClient& client, corral_method method, const Request& request,
                      const CallOptions& options = {}) {
  Result<std::string> bytes = client.invoke(method, request.SerializeAsString(), options);
  if (!bytes.ok()) return bytes.status();
  Response response;
  if (!response.ParseFromString(*bytes)) {
    return error(ErrorCode::internal, "plugin '" + client.description().name() + "' returned an undecodable " +
                                          std::string(response.GetTypeName()));
  }
  return response;
}

// The loaded plugins, by the name each gives in Describe.
class ProviderSet {
 public:
  virtual ~ProviderSet() = default;
  // nullptr when no plugin of that name is loaded.
  virtual std::shared_ptr<ProviderClient> find(std::string_view name) const = 0;
  virtual std::vector<std::string> names() const = 0;
};

}  // namespace corral::manager::providers
