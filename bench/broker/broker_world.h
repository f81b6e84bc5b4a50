// The world corral-broker-bench places sessions in: one server pool of N servers, each backed by
// its own enrolled agent, and one workspace over the whole pool, written to a real SQLite store
// as the REST API would leave them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "manager/store/store.h"

namespace corral::bench {

struct BrokerWorld {
  std::string pool_id;
  std::string workspace_id;
  std::vector<std::string> agent_ids;  // one per server, in server order
};

// Writes the world in one unit of work. `max_sessions` per server; the pool holds
// servers × max_sessions sessions.
Result<BrokerWorld> seed_broker_world(store::Store& store, size_t servers, uint32_t max_sessions, int64_t now);

}  // namespace corral::bench
