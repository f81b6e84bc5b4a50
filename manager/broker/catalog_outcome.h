// What the broker answers to a catalog write (a pool, server or workspace created, changed or
// deleted through the REST API): the row as committed, or why it was refused, typed so the API
// words its 404s and 409s without reading error text. A Status error is a failed store or call.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/result.h"

namespace corral::broker {

enum class CatalogRefusal {
  none,
  not_found,
  revision_conflict,  // the row moved on since the revision the change was based on
  name_taken,         // pool or workspace name, or server hostname within its pool
  pool_not_found,     // the pool named does not exist
  has_dependents,     // a delete while servers, workspaces or unfinished sessions remain
  agent_not_found,    // no enrolled agent has that id
  agent_taken,        // the agent already backs another server
};

template <typename Record>
struct CatalogOutcome {
  CatalogRefusal refusal = CatalogRefusal::none;
  std::string message;  // the refusal, worded for a person (names what and how many)
  // refusal none: the row as committed (a delete: as it was).
  Record record;
  uint64_t stored_revision = 0;  // revision_conflict: the revision stored now
};

template <typename Record>
using CatalogReply = std::function<void(Result<CatalogOutcome<Record>>)>;

}  // namespace corral::broker
