#include "plugins/vsphere/task_watch.h"

#include <algorithm>
#include <string_view>

namespace corral::vsphere {
namespace {

// vCenter counts maxWaitSeconds in whole seconds and answers at its end: the HTTP attempt gets
// this much longer than the wait, so that answer is not cut off.
constexpr int64_t kAnswerSlackMs = 10'000;
// A collector lost with its session (the session expired mid-wait and call() logged in again) is
// made again, this many times at most.
constexpr int kMaxCollectors = 3;

// Waits on a FILTER already made on COLLECTOR. LOST is set when vCenter no longer knows the
// collector (it went with the session it was made in).
Outcome<TaskInfo> wait_on(VimSession& session, const HttpSend& send, const TaskClock& clock, const MoRef& task,
                          int64_t until_ms, const MoRef& collector, bool& lost) {
  std::string version;  // "": the task's state as it is now, at once
  TaskInfo info;
  for (bool first = true;; first = false) {
    const int64_t left_ms = until_ms - clock.monotonic_ms();
    if (!first && (clock.cancelled() || left_ms <= 0)) return info;
    // Under a second left, 0: one look without waiting.
    const int64_t max_wait_s = std::max<int64_t>(left_ms, 0) / 1000;
    auto answer =
        session.call(send, wait_for_updates_xml(collector, version, max_wait_s), max_wait_s * 1000 + kAnswerSlackMs);
    if (!answer.ok()) {
      if (answer.error().fault_type != "ManagedObjectNotFound") return answer.error();
      lost = true;
      return transient_error("vCenter no longer knows the property collector following task " + task.value);
    }
    bool left_filter = false;
    std::string next = apply_task_updates(answer.value().response, task, info, left_filter);
    if (left_filter) return transient_error("vCenter lost the task " + task.value);
    if (!next.empty()) version = std::move(next);
    if (info.state == "success" || info.state == "error") return info;
    if (!first && max_wait_s == 0) return info;
  }
}

}  // namespace

std::string create_property_collector_xml(const MoRef& collector) {
  return "<CreatePropertyCollector xmlns=\"urn:vim25\">" + moref_xml("_this", collector) + "</CreatePropertyCollector>";
}

std::string create_task_filter_xml(const MoRef& collector, const MoRef& task) {
  return "<CreateFilter xmlns=\"urn:vim25\">" + moref_xml("_this", collector) + "<spec><propSet>" +
         text_xml("type", "Task") + text_xml("pathSet", "info.state") + text_xml("pathSet", "info.error") +
         text_xml("pathSet", "info.result") + "</propSet><objectSet>" + moref_xml("obj", task) +
         "<skip>false</skip></objectSet></spec><partialUpdates>false</partialUpdates></CreateFilter>";
}

std::string wait_for_updates_xml(const MoRef& collector, const std::string& version, int64_t max_wait_seconds) {
  return "<WaitForUpdatesEx xmlns=\"urn:vim25\">" + moref_xml("_this", collector) + text_xml("version", version) +
         "<options><maxWaitSeconds>" + std::to_string(max_wait_seconds) +
         "</maxWaitSeconds></options></WaitForUpdatesEx>";
}

std::string destroy_property_filter_xml(const MoRef& filter) {
  return "<DestroyPropertyFilter xmlns=\"urn:vim25\">" + moref_xml("_this", filter) + "</DestroyPropertyFilter>";
}

std::string destroy_property_collector_xml(const MoRef& collector) {
  return "<DestroyPropertyCollector xmlns=\"urn:vim25\">" + moref_xml("_this", collector) +
         "</DestroyPropertyCollector>";
}

std::string apply_task_updates(pugi::xml_node response, const MoRef& task, TaskInfo& info, bool& left) {
  pugi::xml_node set = child(response, "returnval");
  if (!set) return {};
  for (pugi::xml_node filter : children(set, "filterSet")) {
    for (pugi::xml_node object : children(filter, "objectSet")) {
      if (moref_of(child(object, "obj")) != task) continue;
      if (std::string_view(child(object, "kind").text().get()) == "leave") left = true;
      for (pugi::xml_node change : children(object, "changeSet")) {
        const std::string_view name = child(change, "name").text().get();
        // An assign without <val> unsets the property.
        pugi::xml_node val = child(change, "val");
        if (name == "info.state") {
          info.state = val.text().get();
        } else if (name == "info.error") {
          info.fault_type = val ? xsi_type(child(val, "fault")) : "";
          info.message = val ? child(val, "localizedMessage").text().get() : "";
        } else if (name == "info.result") {
          info.result = val ? moref_of(val) : MoRef{};
        }
      }
    }
  }
  return child(set, "version").text().get();
}

Outcome<TaskInfo> follow_task(VimSession& session, const HttpSend& send, const TaskClock& clock, const MoRef& task,
                              int64_t until_ms) {
  auto content = session.content(send);
  if (!content.ok()) return content.error();
  for (int made = 1;; ++made) {
    // A collector of this wait's own: the session's is shared by the config's concurrent calls,
    // and WaitForUpdatesEx answers for every filter of the collector it is called on.
    auto created = session.call(send, create_property_collector_xml(content.value().property_collector));
    if (!created.ok()) return created.error();
    const MoRef collector = moref_of(child(created.value().response, "returnval"));
    auto filtered = session.call(send, create_task_filter_xml(collector, task));
    bool lost = false;
    Outcome<TaskInfo> result = filtered.ok() ? wait_on(session, send, clock, task, until_ms, collector, lost)
                                             : Outcome<TaskInfo>(filtered.error());
    // Best effort, as a failed wait may leave them: the filter, then the collector (which would
    // take its filters with it), so nothing of this wait stays on a long session.
    if (filtered.ok()) {
      (void)session.call(send, destroy_property_filter_xml(moref_of(child(filtered.value().response, "returnval"))));
    }
    (void)session.call(send, destroy_property_collector_xml(collector));
    if (!lost || made == kMaxCollectors) return result;
  }
}

}  // namespace corral::vsphere
