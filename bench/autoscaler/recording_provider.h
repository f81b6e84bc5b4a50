// The provider side of corral-autoscaler-bench. RecordingPlugin stands where a loaded provider
// plugin stands (a ProviderClient behind the real ProviderGateway and provider worker pool): it
// notes when each CreateVm reaches it, and on which server, and answers at once with a VM.
// TimedGateway wraps the real gateway to note when the core hands it a create (after the create
// intent's commit), so the bench can split the latency in two.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "manager/autoscaler/vm_gateway.h"
#include "manager/providers/provider_client.h"

namespace corral::bench {

using Steady = std::chrono::steady_clock;

struct CreateCall {
  Steady::time_point at;
  std::string server_id;  // from the VM's ownership tags
};

// Thread-safe: the core reads what the provider threads write.
class CallLog {
 public:
  void add(CreateCall call);
  size_t count() const;
  // The calls from index `from` on.
  std::vector<CreateCall> since(size_t from) const;

 private:
  mutable std::mutex mu_;
  std::vector<CreateCall> calls_;
};

class RecordingPlugin final : public manager::providers::ProviderClient {
 public:
  RecordingPlugin();
  const autoscaler::pv1::DescribeResponse& description() const override { return description_; }
  Result<std::string> invoke(corral_method method, const std::string& request,
                             const manager::providers::CallOptions& options) override;
  const CallLog& creates() const { return creates_; }

 private:
  autoscaler::pv1::DescribeResponse description_;
  CallLog creates_;
};

class OnePluginSet final : public manager::providers::ProviderSet {
 public:
  explicit OnePluginSet(std::shared_ptr<RecordingPlugin> plugin) : plugin_(std::move(plugin)) {}
  std::shared_ptr<manager::providers::ProviderClient> find(std::string_view name) const override;
  std::vector<std::string> names() const override;

 private:
  std::shared_ptr<RecordingPlugin> plugin_;
};

class TimedGateway final : public autoscaler::VmGateway {
 public:
  explicit TimedGateway(autoscaler::VmGateway& inner) : inner_(inner) {}
  void create_vm(const std::string& provider_config_id, autoscaler::pv1::CreateVmRequest request,
                 Done<autoscaler::pv1::CreateVmResponse> done) override;
  void delete_vm(const std::string& provider_config_id, const std::string& vm_id,
                 Done<autoscaler::pv1::DeleteVmResponse> done) override {
    inner_.delete_vm(provider_config_id, vm_id, std::move(done));
  }
  void list_vms(const std::string& provider_config_id, const std::map<std::string, std::string>& tags,
                Done<autoscaler::pv1::ListVmsResponse> done) override {
    inner_.list_vms(provider_config_id, tags, std::move(done));
  }
  const CallLog& creates() const { return creates_; }

 private:
  autoscaler::VmGateway& inner_;
  CallLog creates_;
};

}  // namespace corral::bench
