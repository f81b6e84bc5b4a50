// The provider methods on one VimSession: create (find by the key's name, else clone, then power
// on), get, list by ownership tags, delete (power off, destroy), with vCenter tasks followed
// through the property collector within the call's deadline. Faults arrive already classified
// (soap.h); this maps them, and power state, onto the SDK's answers.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "corral/provider/v1/provider.pb.h"
#include "plugins/vsphere/inventory.h"

namespace corral::vsphere {

// What one provider call brings: its HTTP, clocks, cancellation and deadline.
struct CallContext {
  HttpSend send;
  std::function<int64_t()> monotonic_ms;
  std::function<int64_t()> wall_ms;
  std::function<bool()> cancelled;
  int64_t deadline_ms = 0;  // monotonic; 0: none (then the config's task_timeout_seconds bounds a task)
};

// A poweredOff VM younger than this is still being created (cloned, not yet powered on); older,
// it was powered off outside Corral and is reported as an error.
inline constexpr int64_t kCreatingGraceMs = 15 * 60 * 1000;

class VmLifecycle {
 public:
  VmLifecycle(VimSession& session, CallContext context, std::string config_name)
      : session_(session), ctx_(std::move(context)), config_name_(std::move(config_name)) {}

  pv1::CreateVmResponse create(const pv1::CreateVmRequest& request);
  pv1::GetVmResponse get(const std::string& id);
  pv1::ListVmsResponse list(const std::map<std::string, std::string>& tags);
  pv1::DeleteVmResponse remove(const std::string& id);

 private:
  // The VM's properties; an empty obj when vCenter does not know it.
  Outcome<ObjectContent> read_vm(const std::string& id);
  // Waits for TASK; its result (a MoRef, for a clone) or its error with the fault's class. A task
  // still running at the deadline is a transient error with fault_type "TaskStillRunning".
  Outcome<MoRef> wait_task(const MoRef& task, const std::string& what);
  Outcome<MoRef> start_task(const std::string& body);
  Outcome<pv1::Vm> power_on(const ObjectContent& vm);
  Outcome<pv1::Vm> create_vm(const pv1::CreateVmRequest& request);
  // The named customization spec as <customization>, with HOSTNAME as the computer name.
  Outcome<std::string> customization_spec(const std::string& hostname);
  pv1::Vm to_vm(const ObjectContent& o) const;
  int64_t deadline() const;

  VimSession& session_;
  const CallContext ctx_;
  const std::string config_name_;
};

// Whether a VM's extraConfig (EC) marks it as Corral's and carries every tag of TAGS.
bool owned_with_tags(const std::map<std::string, std::string>& ec, const std::map<std::string, std::string>& tags);

}  // namespace corral::vsphere
