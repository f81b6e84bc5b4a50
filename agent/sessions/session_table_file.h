// The managed backend's table on disk, DATA_DIR/sessions.json: corral.agent.state.v1.ManagedSessions
// in the protobuf JSON mapping, rewritten whole and atomically on every change. ManagedBackend
// loads it once at start and saves it before any change takes effect in memory.
#pragma once

#include <map>
#include <string>

#include "common/result.h"
#include "corral/agent/v1/agent.pb.h"

namespace corral::agent::sessions {

// By session id.
using SessionTable = std::map<std::string, corral::agent::v1::Session>;

// No file: an empty table. A file that cannot be read, does not parse, or holds a session without
// an id or the same id twice is failed_precondition naming the file and what to do: the agent
// never starts with its sessions silently forgotten (docs/agent-sessions.md).
Result<SessionTable> load_session_table(const std::string& path);

// Temp file, fsync, rename: a failed write leaves the previous file as it was.
Status save_session_table(const std::string& path, const SessionTable& table);

std::string encode_session_table(const SessionTable& table);
// invalid_argument saying what is wrong. Unknown fields are ignored (a newer agent wrote them).
Result<SessionTable> decode_session_table(const std::string& json);

}  // namespace corral::agent::sessions
