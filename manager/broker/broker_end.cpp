// How sessions end: asked (end()), a reservation whose time ran out (sweep()), or what the agent
// did (refused the PrepareSession, stopped reporting it). The end is committed first; only then
// is the slot free and the agent told to log the session off.
#include <utility>
#include <vector>

#include "common/log.h"
#include "manager/broker/broker.h"

namespace corral::broker {

void Broker::end(const std::string& session_id, store::SessionEndReason reason, EndReply reply) {
  if (reason == store::SessionEndReason::none) {
    return reply(error(ErrorCode::invalid_argument, "a session ends for a reason"));
  }
  // Every caller may log the session off: only the agent's own report says it holds nothing.
  finish(session_id, reason, /*logoff=*/true, std::move(reply));
}

void Broker::finish(const std::string& session_id, store::SessionEndReason reason, bool logoff, EndReply reply) {
  if (auto it = sessions_.find(session_id); it != sessions_.end()) it->second.ending = true;
  const int64_t at = now();
  store_.submit(
      [session_id, reason, at](store::Store& s) { return s.sessions().end(session_id, reason, at); },
      [this, session_id, reason, logoff, reply = std::move(reply)](Result<store::SessionEnding> ended) {
        auto it = sessions_.find(session_id);
        if (!ended.ok()) {
          if (it != sessions_.end()) it->second.ending = false;
          log::error("broker.end_not_written", {{"session_id", session_id}, {"error", ended.status().to_string()}});
          if (reply) reply(ended.status());
          return;
        }
        // ended or already_ended: either way the store no longer counts it, so neither do we.
        if (it != sessions_.end() && *ended != store::SessionEnding::not_found) {
          const std::string server_id = it->second.record.server_id;
          const std::string agent_session_id = it->second.record.agent_session_id;
          untrack(session_id);
          log::info("broker.session_ended", {{"session_id", session_id},
                                             {"server_id", server_id},
                                             {"reason", store::session_end_reason_name(reason)},
                                             {"outcome", store::session_ending_name(*ended)}});
          if (logoff) owe_logoff(server_id, agent_session_id);
        }
        if (reply) reply(*ended);
      });
}

void Broker::sweep() {
  const int64_t t = now();
  std::vector<std::string> due;
  // Held while now < reservation_expires_at (docs/broker-model.md).
  for (auto it = expiries_.begin(); it != expiries_.end() && it->first <= t; ++it) due.push_back(it->second);
  for (const std::string& id : due) {
    auto it = sessions_.find(id);
    if (it == sessions_.end()) continue;
    const SessionEntry& entry = it->second;
    // Still being written, being confirmed or being ended: the next sweep looks again.
    if (!entry.committed || entry.activating || entry.ending) continue;
    if (entry.record.state != store::SessionState::reserved) continue;
    log::info("broker.reservation_expired", {{"session_id", id}, {"server_id", entry.record.server_id}});
    // The agent may have prepared it after all: it is logged off.
    finish(id, store::SessionEndReason::expired_reservation, /*logoff=*/true, nullptr);
  }
}

}  // namespace corral::broker
