// The durable event log: every decision and outcome an operator may want to follow (a scale-out
// and why, a VM requested, created, checked in, deleted, a server drained...). Rows are only
// appended; ids only grow, so a client follows the log with the last id it has seen.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace corral::store {

enum class EventSeverity { info, warning, error };

const char* event_severity_name(EventSeverity severity);  // "info", "warning", "error"

struct EventRecord {
  int64_t id = 0;     // assigned by append: larger is later
  int64_t at_ms = 0;  // unix milliseconds
  std::string kind;   // "server.created", "autoscale.scale_out"... (docs/events.md)
  EventSeverity severity = EventSeverity::info;
  // What it is about; empty when it is not about one. No foreign keys: an event outlives the
  // server or config it names, so a deleted server keeps its timeline.
  std::string pool_id;
  std::string autoscale_config_id;
  std::string server_id;
  std::string vm_id;
  std::string message;  // one line for a human, no secrets
};

struct EventFilter {
  std::string pool_id;              // "" = any
  std::string autoscale_config_id;  // "" = any
  std::string server_id;            // "" = any
  int64_t after_id = 0;             // only events with a larger id
  uint32_t limit = 0;               // at most this many, oldest first; 0 is invalid_argument
};

class EventRepository {
 public:
  virtual ~EventRepository() = default;

  // Appends the event and returns its id. invalid_argument if kind or message is empty, the id
  // is set, or at_ms <= 0.
  virtual Result<int64_t> append(const EventRecord& event) = 0;
  // The events matching the filter, in id order.
  virtual Result<std::vector<EventRecord>> list(const EventFilter& filter) = 0;
  // The largest id given so far (0 before the first event): where "from now on" starts.
  virtual Result<int64_t> last_id() = 0;
  // Retention: removes events older than before_ms; returns how many.
  virtual Result<int> delete_before(int64_t before_ms) = 0;
};

}  // namespace corral::store
