#include "agent/sessions/session_table_file.h"

#include <google/protobuf/util/json_util.h>

#include "common/files.h"
#include "corral/agent/state/v1/managed_sessions.pb.h"

namespace corral::agent::sessions {

using corral::agent::state::v1::ManagedSessions;

// User names are in it: only the agent's own user reads it.
constexpr mode_t kTableMode = 0600;

std::string encode_session_table(const SessionTable& table) {
  ManagedSessions file;
  for (const auto& [id, session] : table) *file.add_sessions() = session;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string out;
  // Printing a message we built cannot fail: it has no Any fields to resolve.
  (void)google::protobuf::util::MessageToJsonString(file, &out, options);
  return out;
}

Result<SessionTable> decode_session_table(const std::string& json) {
  ManagedSessions file;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto parsed = google::protobuf::util::JsonStringToMessage(json, &file, options);
  if (!parsed.ok())
    return error(ErrorCode::invalid_argument, "not valid JSON for a session table: " + std::string(parsed.message()));
  SessionTable table;
  for (int i = 0; i < file.sessions_size(); ++i) {
    const auto& s = file.sessions(i);
    std::string where = "sessions[" + std::to_string(i) + "]";
    if (s.id().empty()) return error(ErrorCode::invalid_argument, where + " has no id");
    if (!table.emplace(s.id(), s).second) return error(ErrorCode::invalid_argument, where + " repeats an earlier id");
  }
  return table;
}

Result<SessionTable> load_session_table(const std::string& path) {
  if (!file_exists(path)) return SessionTable{};
  std::string what;
  if (auto text = read_file(path); !text.ok()) {
    what = text.status().message();  // names the path already
  } else if (auto table = decode_session_table(*text); !table.ok()) {
    what = path + ": " + table.status().message();
  } else {
    return table;
  }
  return error(ErrorCode::failed_precondition,
               what +
                   ". It holds the sessions the manager placed on this host, and the agent does not start "
                   "without them: restore the file, or move it aside to start with no sessions (the manager "
                   "then ends the sessions it had placed here)");
}

Status save_session_table(const std::string& path, const SessionTable& table) {
  return write_file_atomic(path, encode_session_table(table), kTableMode);
}

}  // namespace corral::agent::sessions
