// Following one vCenter task to its end through the property collector, as vSphere's own clients
// do: a filter on the task's info.state, info.error and info.result, and WaitForUpdatesEx from one
// version to the next, each wait bounded by the call's deadline, so vCenter answers when the task
// changes instead of being asked again and again. vm_lifecycle.cpp calls follow_task(); the
// request builders and the update reader are pure, for unit tests.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "plugins/vsphere/vim_session.h"

namespace corral::vsphere {

// What is known of a task: "queued", "running", "success" or "error" ("" before the first update).
struct TaskInfo {
  std::string state;
  std::string fault_type;  // of info.error
  std::string message;     // info.error's localizedMessage
  MoRef result;            // info.result when it is a reference (a clone's VM)
};

// The request bodies, each one method element for soap_envelope().
std::string create_property_collector_xml(const MoRef& collector);
std::string create_task_filter_xml(const MoRef& collector, const MoRef& task);
std::string wait_for_updates_xml(const MoRef& collector, const std::string& version, int64_t max_wait_seconds);
std::string destroy_property_filter_xml(const MoRef& filter);
std::string destroy_property_collector_xml(const MoRef& collector);

// Applies what a WaitForUpdatesEx RESPONSE says of TASK to INFO and returns the version to wait
// from next; "" when the response holds no update set (maxWaitSeconds passed with no change), so
// the version waited from stays. Sets LEFT when the task left the filter (vCenter dropped it).
std::string apply_task_updates(pugi::xml_node response, const MoRef& task, TaskInfo& info, bool& left);

// Clocks and cancellation of the call the task runs for.
struct TaskClock {
  std::function<int64_t()> monotonic_ms;
  std::function<bool()> cancelled;
};

// Follows TASK until it succeeds or fails, or until UNTIL_MS (monotonic) or cancellation: then
// the info holds the last state seen ("queued" or "running"). The collector and filter made for
// it are destroyed whatever happens.
Outcome<TaskInfo> follow_task(VimSession& session, const HttpSend& send, const TaskClock& clock, const MoRef& task,
                              int64_t until_ms);

}  // namespace corral::vsphere
