// Names and the operator-facing sentence for a placement that found no server.
#include <string>

#include "manager/broker/placement.h"

namespace corral::broker {

const char* no_placement_reason_name(NoPlacementReason reason) {
  switch (reason) {
    case NoPlacementReason::pool_empty: return "pool_empty";
    case NoPlacementReason::no_matching_server: return "no_matching_server";
    case NoPlacementReason::no_ready_server: return "no_ready_server";
    case NoPlacementReason::pool_full: return "pool_full";
    case NoPlacementReason::assigned_server_excluded: return "assigned_server_excluded";
    case NoPlacementReason::assigned_server_not_ready: return "assigned_server_not_ready";
    case NoPlacementReason::assigned_server_full: return "assigned_server_full";
  }
  return "unknown";
}

namespace {

const char* headline(NoPlacementReason reason) {
  switch (reason) {
    case NoPlacementReason::pool_empty: return "pool has no servers";
    case NoPlacementReason::no_matching_server: return "no server in the pool may take this workspace";
    case NoPlacementReason::no_ready_server: return "no server that may take this workspace is ready";
    case NoPlacementReason::pool_full: return "pool is full";
    case NoPlacementReason::assigned_server_excluded:
      return "the user's assigned server does not match the workspace's labels";
    case NoPlacementReason::assigned_server_not_ready: return "the user's assigned server is not ready";
    case NoPlacementReason::assigned_server_full: return "the user's assigned server is full";
  }
  return "no placement";
}

}  // namespace

std::string describe(const NotPlaced& not_placed) {
  const ServerCounts& c = not_placed.counts;
  std::string text = headline(not_placed.reason);
  if (not_placed.reason == NoPlacementReason::pool_empty) return text;
  text += ": " + std::to_string(c.ready) + " ready (" + std::to_string(c.full) + " full), " +
          std::to_string(c.provisioning) + " provisioning, " + std::to_string(c.draining) + " draining, " +
          std::to_string(c.disabled) + " disabled";
  if (c.excluded_by_labels > 0) text += ", " + std::to_string(c.excluded_by_labels) + " excluded by labels";
  if (c.not_for_user > 0) text += ", " + std::to_string(c.not_for_user) + " not for this user";
  text += " (of " + std::to_string(c.total) + ")";
  return text;
}

}  // namespace corral::broker
