// The `managed` session backend: a session exists because the manager placed it (PrepareSession)
// and ends when the manager logs it off. The agent detects nothing on the host; it keeps the table
// in its data directory (session_table_file.h) so a restarted agent reports the same sessions.
// Created by run_agent() before the runtime; called on the core thread only.
#pragma once

#include <memory>
#include <string>

#include "agent/sessions/session_backend.h"
#include "agent/sessions/session_table_file.h"
#include "common/clock.h"

namespace corral::agent::sessions {

class ManagedBackend final : public SessionBackend {
 public:
  // Loads the table at PATH (none yet: no sessions). A file that cannot be used is an error
  // naming it, and the agent does not start (load_session_table()).
  static Result<std::unique_ptr<ManagedBackend>> open(std::string path, const Clock& clock);

  corral::agent::v1::BackendKind kind() const override { return corral::agent::v1::BACKEND_KIND_MANAGED; }
  std::vector<corral::agent::v1::Session> list() const override;
  // A new session is ACTIVE at once: nothing on the host has to start for it.
  Result<PrepareOutcome> prepare(const corral::agent::v1::PrepareSession& request) override;
  Status logoff(const std::string& session_id) override;
  // Every change comes through prepare() and logoff(): there is nothing to watch.
  void watch(SessionsChanged) override {}

 private:
  ManagedBackend(std::string path, const Clock& clock, SessionTable table);
  // Writes NEXT, then makes it the table; on a failed write the table stays as it was.
  Status commit(SessionTable next);

  std::string path_;
  const Clock& clock_;
  SessionTable table_;
};

}  // namespace corral::agent::sessions
