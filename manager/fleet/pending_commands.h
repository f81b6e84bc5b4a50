// Commands sent to agents and not yet finished, so that each one ends exactly once: answered,
// timed out, or lost with its connection (CommandFinishedEvent). Core thread only.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "corral/agent/v1/agent.pb.h"

namespace corral::manager {

class PendingCommands {
 public:
  struct Pending {
    std::string agent_id;
    corral::agent::v1::Command command;
    std::chrono::steady_clock::time_point deadline;
  };

  void add(std::string agent_id, corral::agent::v1::Command command, std::chrono::steady_clock::time_point deadline);
  // The command with this id if it was sent to `agent_id` and is still pending; removed.
  std::optional<Pending> take(const std::string& agent_id, const std::string& command_id);
  // Every pending command of one agent, in the order sent; removed.
  std::vector<Pending> take_agent(const std::string& agent_id);
  // Every command whose deadline is at or before `now`, in the order sent; removed.
  std::vector<Pending> take_expired(std::chrono::steady_clock::time_point now);

  bool contains(const std::string& command_id) const { return by_id_.contains(command_id); }
  size_t size() const { return by_id_.size(); }

 private:
  std::vector<Pending> take_if(const std::function<bool(const Pending&)>& predicate);

  struct Entry {
    uint64_t order = 0;
    Pending pending;
  };
  std::unordered_map<std::string, Entry> by_id_;
  uint64_t next_order_ = 0;
};

}  // namespace corral::manager
