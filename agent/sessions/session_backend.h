// How the agent learns, and changes, which user sessions its host holds. One implementation per
// kind of host: `managed` today (sessions exist because the manager placed them), Windows WTS,
// Linux logind and Docker later. The agent's Host (agent/host.h) calls it on the core thread and
// reports what list() returns in every CapacityReport.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "corral/agent/v1/agent.pb.h"

namespace corral::agent::sessions {

// Called from any thread when the backend's sessions may have changed by themselves (a user
// logged off, a container exited). It must not block: the runtime posts itself a re-read of
// list() and reports the difference.
using SessionsChanged = std::function<void()>;

enum class PrepareOutcome {
  prepared,          // new: the session is in list() now
  already_prepared,  // the same id, user and workspace were prepared before; nothing changed
};

class SessionBackend {
 public:
  virtual ~SessionBackend() = default;

  virtual corral::agent::v1::BackendKind kind() const = 0;

  // The sessions on this host now, ordered by id.
  virtual std::vector<corral::agent::v1::Session> list() const = 0;

  // Makes room for a session the manager placed (admission, draining and max sessions, is the
  // caller's). already_exists when the id is known with another user or workspace; any other
  // error means the backend failed and nothing changed.
  virtual Result<PrepareOutcome> prepare(const corral::agent::v1::PrepareSession& request) = 0;

  // Ends the session. not_found for an id the backend does not hold; any other error means the
  // backend failed and the session is still there.
  virtual Status logoff(const std::string& session_id) = 0;

  // Starts reporting changes the backend notices by itself to CHANGED; an empty function stops
  // it. Once watch() returns, the previous function is not running and will not be called again.
  // Changes made by prepare() and logoff() are visible in list() at once and need no call.
  virtual void watch(SessionsChanged changed) = 0;
};

}  // namespace corral::agent::sessions
