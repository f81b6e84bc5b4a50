#include "manager/fleet/pending_commands.h"

#include <algorithm>
#include <functional>

namespace corral::manager {

void PendingCommands::add(std::string agent_id, corral::agent::v1::Command command,
                          std::chrono::steady_clock::time_point deadline) {
  std::string id = command.command_id();
  by_id_[id] = Entry{next_order_++, Pending{std::move(agent_id), std::move(command), deadline}};
}

std::optional<PendingCommands::Pending> PendingCommands::take(const std::string& agent_id,
                                                              const std::string& command_id) {
  auto it = by_id_.find(command_id);
  // An agent can only answer its own commands.
  if (it == by_id_.end() || it->second.pending.agent_id != agent_id) return std::nullopt;
  Pending p = std::move(it->second.pending);
  by_id_.erase(it);
  return p;
}

std::vector<PendingCommands::Pending> PendingCommands::take_agent(const std::string& agent_id) {
  return take_if([&](const Pending& p) { return p.agent_id == agent_id; });
}

std::vector<PendingCommands::Pending> PendingCommands::take_expired(std::chrono::steady_clock::time_point now) {
  return take_if([&](const Pending& p) { return p.deadline <= now; });
}

std::vector<PendingCommands::Pending> PendingCommands::take_if(const std::function<bool(const Pending&)>& predicate) {
  std::vector<Entry> taken;
  for (auto it = by_id_.begin(); it != by_id_.end();) {
    if (predicate(it->second.pending)) {
      taken.push_back(std::move(it->second));
      it = by_id_.erase(it);
    } else {
      ++it;
    }
  }
  std::sort(taken.begin(), taken.end(), [](const Entry& a, const Entry& b) { return a.order < b.order; });
  std::vector<Pending> out;
  out.reserve(taken.size());
  for (Entry& e : taken) out.push_back(std::move(e.pending));
  return out;
}

}  // namespace corral::manager
