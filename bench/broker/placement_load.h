// Drives Broker::place() on the core the way requests would: either a closed loop that keeps K
// placements in flight (the most the core does per second), or an open loop where placements
// arrive at a fixed rate whether or not earlier ones are answered (the latency at that rate,
// measured from each placement's scheduled arrival, so a stalled core is not hidden). A latency
// ends when the broker's reply runs, which comes after the reservation's commit.
#pragma once

#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <string>

#include "bench/broker/latency_summary.h"
#include "manager/broker/broker.h"

namespace corral::bench {

struct LoadOutcome {
  size_t placed = 0;
  size_t refused = 0;  // no server could take it (a full pool)
  size_t failed = 0;   // an error reply (the commit failed)
  double seconds = 0;  // first arrival to last reply
  LatencySummary latency;
};

// Runs `io` until `placements` replies have arrived. `user_prefix` makes each phase's users
// distinct; `in_flight` for the closed loop, `per_second` > 0 for the open loop instead.
LoadOutcome run_placements(boost::asio::io_context& io, broker::Broker& broker, const std::string& workspace_id,
                           const std::string& user_prefix, size_t placements, size_t in_flight, double per_second);

}  // namespace corral::bench
