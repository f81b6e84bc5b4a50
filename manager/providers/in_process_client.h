// A provider plugin loaded into this process (the manager's, or corral-plugin-host's). Holds the
// library (so its code stays mapped while this object lives) and the host services it was given;
// calls the plugin's `shutdown` once when destroyed, before the library can unload.
//
// A call runs on the caller's thread until the plugin returns: in-process, a plugin that ignores
// its deadline cannot be stopped (process isolation can, by killing its host process).
#pragma once

#include <boost/dll/shared_library.hpp>
#include <memory>
#include <string>

#include "manager/providers/host_services.h"
#include "manager/providers/provider_client.h"

namespace corral::manager::providers {

class InProcessClient final : public ProviderClient {
 public:
  // What the plugin's invoke returned: its status and its buffer (the response, or why not).
  struct RawReply {
    corral_status status = CORRAL_OK;
    std::string bytes;
  };

  // Calls Describe once; an error names the plugin file. TABLE must have passed the ABI checks.
  static Result<std::unique_ptr<InProcessClient>> start(std::shared_ptr<boost::dll::shared_library> library,
                                                        std::unique_ptr<HostServices> host,
                                                        const corral_plugin_v1* table, const std::string& file);
  ~InProcessClient() override;

  const pv1::DescribeResponse& description() const override { return description_; }
  Result<std::string> invoke(corral_method method, const std::string& request, const CallOptions& options) override;

  // The call as the ABI has it, for corral-plugin-host, which reports the status itself.
  RawReply invoke_raw(corral_method method, const std::string& request, const corral_call& call);

  const std::string& file() const { return file_; }

 private:
  InProcessClient(std::shared_ptr<boost::dll::shared_library> library, std::unique_ptr<HostServices> host,
                  const corral_plugin_v1* table, std::string file)
      : library_(std::move(library)), host_(std::move(host)), table_(table), file_(std::move(file)) {}

  // Declared first so it is destroyed last: the library outlives everything that points into it.
  std::shared_ptr<boost::dll::shared_library> library_;
  std::unique_ptr<HostServices> host_;
  const corral_plugin_v1* table_;
  std::string file_;
  pv1::DescribeResponse description_;
};

}  // namespace corral::manager::providers
