#include "bench/autoscaler/recording_provider.h"

#include "bench/autoscaler/autoscale_world.h"
#include "manager/autoscaler/autoscaler.h"

namespace corral::bench {

namespace pv1 = autoscaler::pv1;

void CallLog::add(CreateCall call) {
  const std::lock_guard lock(mu_);
  calls_.push_back(std::move(call));
}

size_t CallLog::count() const {
  const std::lock_guard lock(mu_);
  return calls_.size();
}

std::vector<CreateCall> CallLog::since(size_t from) const {
  const std::lock_guard lock(mu_);
  if (from >= calls_.size()) return {};
  return {calls_.begin() + static_cast<std::ptrdiff_t>(from), calls_.end()};
}

namespace {

std::string server_of(const google::protobuf::Map<std::string, std::string>& tags) {
  auto it = tags.find(autoscaler::kTagServer);
  return it == tags.end() ? "" : it->second;
}

}  // namespace

RecordingPlugin::RecordingPlugin() { description_.set_name(kBenchPlugin); }

Result<std::string> RecordingPlugin::invoke(corral_method method, const std::string& request,
                                            const manager::providers::CallOptions&) {
  const Steady::time_point at = Steady::now();
  switch (method) {
    case CORRAL_METHOD_CREATE_VM: {
      pv1::CreateVmRequest create;
      if (!create.ParseFromString(request)) return error(ErrorCode::internal, "undecodable CreateVmRequest");
      const std::string server_id = server_of(create.tags());
      creates_.add(CreateCall{at, server_id});
      pv1::CreateVmResponse answer;
      answer.mutable_vm()->set_id("vm-" + server_id);
      answer.mutable_vm()->add_addresses(create.hostname() + ".bench.test");
      return answer.SerializeAsString();
    }
    case CORRAL_METHOD_DELETE_VM: return pv1::DeleteVmResponse().SerializeAsString();
    case CORRAL_METHOD_LIST_VMS: return pv1::ListVmsResponse().SerializeAsString();
    default: return error(ErrorCode::invalid_argument, "the bench plugin answers CreateVm, DeleteVm and ListVms only");
  }
}

std::shared_ptr<manager::providers::ProviderClient> OnePluginSet::find(std::string_view name) const {
  return name == kBenchPlugin ? plugin_ : nullptr;
}

std::vector<std::string> OnePluginSet::names() const { return {kBenchPlugin}; }

void TimedGateway::create_vm(const std::string& provider_config_id, pv1::CreateVmRequest request,
                             Done<pv1::CreateVmResponse> done) {
  creates_.add(CreateCall{Steady::now(), server_of(request.tags())});
  inner_.create_vm(provider_config_id, std::move(request), std::move(done));
}

}  // namespace corral::bench
