// "aws": the EC2 provider. Each call parses its provider config (cached per name and revision with
// its credential chain), gets credentials, and makes EC2 Query API calls through the host HTTP
// service: RunInstances for CreateVm, TerminateInstances for DeleteVm, DescribeInstances for GetVm
// (by id) and ListVms (by tag: filters, page by page). docs/providers/aws.md is the operator's view.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "corral/sdk/provider.h"
#include "plugins/aws/aws_config.h"
#include "plugins/aws/credential_chain.h"
#include "plugins/aws/ec2_client.h"
#include "plugins/aws/ec2_errors.h"
#include "plugins/aws/ec2_vm.h"
#include "plugins/aws/run_instances.h"

namespace {

namespace pv1 = corral::provider::v1;
namespace aws = corral::aws;
using aws::AwsError;
using aws::Outcome;

// DescribeInstances is eventually consistent: for a while after RunInstances it may not know the
// new instance. An id this plugin launched that recently is "creating", not "gone".
constexpr int64_t kNewInstanceGraceMs = 10 * 60 * 1000;
// ListVms pages (1000 instances each) before giving up on a runaway NextToken.
constexpr int kMaxPages = 1000;

// What a provider config revision needs across calls.
struct ConfigState {
  explicit ConfigState(aws::AwsConfig c) : config(std::move(c)), chain(config.credentials) {}
  const aws::AwsConfig config;
  aws::CredentialChain chain;
  std::mutex mu;
  std::string root_device;  // of config.instance.image_id, once DescribeImages told it
};

template <typename Response>
Response failed(const AwsError& e) {
  Response r;
  *r.mutable_error() = e.to_proto();
  return r;
}

class AwsProvider : public corral::sdk::Provider {
 public:
  explicit AwsProvider(corral::sdk::Host host) : Provider(host) {}

  pv1::DescribeResponse describe() override {
    pv1::DescribeResponse r;
    r.set_name("aws");
    r.set_version("0.2.0");
    r.set_config_schema_json(aws::config_schema());
    auto* caps = r.mutable_capabilities();
    caps->add_os_types(pv1::OS_TYPE_LINUX);
    caps->add_os_types(pv1::OS_TYPE_WINDOWS);
    caps->set_zones(true);
    caps->set_async_create(true);
    caps->set_async_delete(true);
    return r;
  }

  pv1::ValidateConfigResponse validate_config(const pv1::ValidateConfigRequest& request,
                                              corral::sdk::Call& call) override {
    pv1::ValidateConfigResponse response = Provider::validate_config(request, call);
    if (response.errors_size() > 0) return response;
    // What the schema cannot say (external_id without role_arn, half a key pair, iops by type...).
    auto config = aws::parse_config(request.config().name(), request.config().config_json());
    if (!config.ok()) {
      pv1::FieldError* e = response.add_errors();
      e->set_path(config.error().field_path);
      e->set_message(config.error().message);
    }
    return response;
  }

  pv1::CreateVmResponse create_vm(const pv1::CreateVmRequest& req, corral::sdk::Call& call) override {
    auto state = state_for(req.config());
    if (!state.ok()) return failed<pv1::CreateVmResponse>(state.error());
    auto client = client_for(*state.value(), req.config().name(), call);
    if (!client.ok()) return failed<pv1::CreateVmResponse>(client.error());
    aws::Ec2Client ec2 = std::move(client).value();
    auto root = root_device(*state.value(), ec2);
    if (!root.ok()) return failed<pv1::CreateVmResponse>(root.error());
    auto params = aws::run_instances_params(state.value()->config.instance, req, root.value());
    if (!params.ok()) return failed<pv1::CreateVmResponse>(params.error());
    auto page = ec2.run_instances(params.value());
    if (!page.ok()) return failed<pv1::CreateVmResponse>(page.error());
    if (page.value().instances.size() != 1) {
      return failed<pv1::CreateVmResponse>(
          aws::transient_error("EC2 RunInstances answered " + std::to_string(page.value().instances.size()) +
                               " instances instead of one (request id " + page.value().request_id + ")"));
    }
    pv1::CreateVmResponse resp;
    *resp.mutable_vm() = aws::to_vm(page.value().instances[0]);
    resp.mutable_vm()->set_idempotency_key(req.idempotency_key());
    remember_new(resp.vm().id());
    host().info("aws.vm_created", {{"config", req.config().name()},
                                   {"vm", resp.vm().id()},
                                   {"hostname", req.hostname()},
                                   {"request_id", page.value().request_id}});
    return resp;
  }

  pv1::DeleteVmResponse delete_vm(const pv1::DeleteVmRequest& req, corral::sdk::Call& call) override {
    auto state = state_for(req.config());
    if (!state.ok()) return failed<pv1::DeleteVmResponse>(state.error());
    pv1::DeleteVmResponse resp;
    resp.set_state(pv1::VM_STATE_GONE);
    if (!aws::is_instance_id(req.vm_id())) return resp;
    auto client = client_for(*state.value(), req.config().name(), call);
    if (!client.ok()) return failed<pv1::DeleteVmResponse>(client.error());
    aws::Ec2Client ec2 = std::move(client).value();
    auto answer = ec2.terminate_instance(req.vm_id());
    if (!answer.ok()) {
      if (aws::is_unknown_instance(ec2.last_error_code())) return resp;
      return failed<pv1::DeleteVmResponse>(answer.error());
    }
    for (const auto& change : answer.value().instances) {
      if (change.id == req.vm_id() && change.current_state != "terminated") resp.set_state(pv1::VM_STATE_DELETING);
    }
    const std::string state_name = pv1::VmState_Name(resp.state());
    host().info("aws.vm_terminating", {{"config", req.config().name()},
                                       {"vm", req.vm_id()},
                                       {"state", state_name},
                                       {"request_id", answer.value().request_id}});
    return resp;
  }

  pv1::GetVmResponse get_vm(const pv1::GetVmRequest& req, corral::sdk::Call& call) override {
    auto state = state_for(req.config());
    if (!state.ok()) return failed<pv1::GetVmResponse>(state.error());
    pv1::GetVmResponse resp;
    resp.mutable_vm()->set_id(req.vm_id());
    resp.mutable_vm()->set_state(pv1::VM_STATE_GONE);
    if (!aws::is_instance_id(req.vm_id())) return resp;
    auto client = client_for(*state.value(), req.config().name(), call);
    if (!client.ok()) return failed<pv1::GetVmResponse>(client.error());
    aws::Ec2Client ec2 = std::move(client).value();
    auto page = ec2.describe_instances(
        {{"Action", "DescribeInstances"}, {"Version", "2016-11-15"}, {"InstanceId.1", req.vm_id()}});
    if (!page.ok()) {
      if (!aws::is_unknown_instance(ec2.last_error_code())) {
        return failed<pv1::GetVmResponse>(page.error());
      }
      if (recently_created(req.vm_id())) resp.mutable_vm()->set_state(pv1::VM_STATE_CREATING);
      return resp;
    }
    for (const auto& instance : page.value().instances) {
      if (instance.id == req.vm_id()) *resp.mutable_vm() = aws::to_vm(instance);
    }
    return resp;
  }

  pv1::ListVmsResponse list_vms(const pv1::ListVmsRequest& req, corral::sdk::Call& call) override {
    auto state = state_for(req.config());
    if (!state.ok()) return failed<pv1::ListVmsResponse>(state.error());
    auto client = client_for(*state.value(), req.config().name(), call);
    if (!client.ok()) return failed<pv1::ListVmsResponse>(client.error());
    aws::Ec2Client ec2 = std::move(client).value();
    // Terminated instances stay visible for about an hour; they are gone, not listed.
    aws::QueryParams params = {{"Action", "DescribeInstances"},          {"Version", "2016-11-15"},
                               {"Filter.1.Name", "instance-state-name"}, {"Filter.1.Value.1", "pending"},
                               {"Filter.1.Value.2", "running"},          {"Filter.1.Value.3", "shutting-down"},
                               {"Filter.1.Value.4", "stopping"},         {"Filter.1.Value.5", "stopped"}};
    int n = 2;
    for (const auto& [key, value] : req.tags()) {
      params.emplace_back("Filter." + std::to_string(n) + ".Name", "tag:" + key);
      params.emplace_back("Filter." + std::to_string(n) + ".Value.1", value);
      ++n;
    }
    params.emplace_back("MaxResults", "1000");
    pv1::ListVmsResponse resp;
    std::string next;
    for (int pages = 0; pages < kMaxPages; ++pages) {
      aws::QueryParams this_page = params;
      if (!next.empty()) this_page.emplace_back("NextToken", next);
      auto page = ec2.describe_instances(this_page);
      if (!page.ok()) return failed<pv1::ListVmsResponse>(page.error());
      for (const auto& instance : page.value().instances) *resp.add_vms() = aws::to_vm(instance);
      next = page.value().next_token;
      if (next.empty()) return resp;
    }
    return failed<pv1::ListVmsResponse>(
        aws::transient_error("EC2 DescribeInstances: more than " + std::to_string(kMaxPages) + " pages"));
  }

 private:
  Outcome<std::shared_ptr<ConfigState>> state_for(const pv1::ProviderConfig& pc) {
    const std::string key = pc.name() + "\n" + std::to_string(pc.revision());
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = states_.find(key);
      // The JSON is compared too: a caller that reuses a revision for another config (tests,
      // a misbehaving host) must not get the old one.
      if (it != states_.end() && it->second.first == pc.config_json()) return it->second.second;
    }
    auto config = aws::parse_config(pc.name(), pc.config_json());
    if (!config.ok()) return config.error();
    auto state = std::make_shared<ConfigState>(std::move(config).value());
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = states_.begin(); it != states_.end();) {  // older revisions of this config
      it = it->first.rfind(pc.name() + "\n", 0) == 0 ? states_.erase(it) : std::next(it);
    }
    states_[key] = {pc.config_json(), state};
    return state;
  }

  Outcome<aws::Ec2Client> client_for(ConfigState& state, const std::string& config_name, corral::sdk::Call& call) {
    const corral::sdk::Host h = host();
    aws::HttpSend send = [&call](const pv1::HttpRequest& r) { return call.http(r); };
    aws::CredentialContext ctx{[h] { return h.now_unix_ms(); }, aws::process_environment(), send};
    auto credentials = state.chain.credentials(ctx);
    if (!credentials.ok()) {
      h.warn("aws.credentials_failed", {{"config", config_name}, {"error", credentials.error().message}});
      return credentials.error();
    }
    aws::CallLog log = [h, config_name](const aws::Ec2CallRecord& r) {
      const std::string status = std::to_string(r.http_status);
      const std::string attempts = std::to_string(r.attempts);
      if (r.error_class.empty()) {
        h.info("aws.ec2_call", {{"config", config_name},
                                {"action", r.action},
                                {"request_id", r.request_id},
                                {"http_status", status},
                                {"attempts", attempts}});
      } else {
        h.warn("aws.ec2_call_failed", {{"config", config_name},
                                       {"action", r.action},
                                       {"request_id", r.request_id},
                                       {"http_status", status},
                                       {"attempts", attempts},
                                       {"error_code", r.error_code},
                                       {"class", r.error_class},
                                       {"error", r.error_message}});
      }
    };
    return aws::Ec2Client(
        {aws::ec2_endpoint(state.config), state.config.region}, std::move(credentials).value(), send,
        [h] { return h.now_unix_ms(); }, std::move(log));
  }

  // The image's root device name, when the config sizes the root volume without naming it.
  Outcome<std::string> root_device(ConfigState& state, aws::Ec2Client& client) {
    const auto& volume = state.config.instance.root_volume;
    if (!volume || !volume->device_name.empty()) return std::string();
    {
      std::lock_guard<std::mutex> lock(state.mu);
      if (!state.root_device.empty()) return state.root_device;
    }
    auto image = client.describe_image(state.config.instance.image_id);
    if (!image.ok()) return image.error();
    if (image.value().root_device_name.empty()) {
      return aws::config_error("EC2 DescribeImages does not show image " + state.config.instance.image_id +
                                   " to this account, or it has no root device (request id " +
                                   image.value().request_id + ")",
                               "/image_id");
    }
    std::lock_guard<std::mutex> lock(state.mu);
    state.root_device = image.value().root_device_name;
    return state.root_device;
  }

  void remember_new(const std::string& id) {
    const int64_t now = host().monotonic_ms();
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = new_instances_.begin(); it != new_instances_.end();) {
      it = now - it->second > kNewInstanceGraceMs ? new_instances_.erase(it) : std::next(it);
    }
    new_instances_[id] = now;
  }

  bool recently_created(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = new_instances_.find(id);
    return it != new_instances_.end() && host().monotonic_ms() - it->second <= kNewInstanceGraceMs;
  }

  std::mutex mu_;
  // "name\nrevision" -> (config_json, state)
  std::map<std::string, std::pair<std::string, std::shared_ptr<ConfigState>>> states_;
  std::map<std::string, int64_t> new_instances_;  // id -> monotonic ms launched
};

}  // namespace

CORRAL_EXPORT_PROVIDER(AwsProvider)
