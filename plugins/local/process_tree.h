// Process trees for the local provider: a "VM" is a bash script started fully detached (its own
// session, reparented to init) so that it outlives the manager or the plugin host that started
// it, and stopped as a whole session.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace corral::local {

struct Spawned {
  pid_t pid = 0;             // the script's bash process
  pid_t session = 0;         // its session id (also its process group)
  uint64_t start_ticks = 0;  // /proc/<pid>/stat start time, to tell a reused pid apart
};

// Runs `bash script_name` in `dir`: stdin from /dev/null, stdout and stderr appended to
// `log_name`, in a new session, double-forked so it is never a child of the caller. Returns false
// with `error` set when it could not be started.
bool spawn_detached(const std::string& dir, const std::string& script_name, const std::string& log_name, Spawned* out,
                    std::string* error);

// Live (not zombie) processes whose session id is `session` and that started no earlier than
// `min_start_ticks` (a process older than the VM cannot belong to it, whatever its session).
std::vector<pid_t> session_members(pid_t session, uint64_t min_start_ticks);

// SIGTERM to every member of the session, then SIGKILL to what is left after `grace`. Returns
// true when no member is left.
bool stop_session(pid_t session, uint64_t min_start_ticks, std::chrono::milliseconds grace);

// Start time of `pid` in clock ticks since boot, 0 if it does not exist.
uint64_t process_start_ticks(pid_t pid);

}  // namespace corral::local
