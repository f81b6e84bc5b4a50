// What corral-plugin-host does to itself before it loads a third-party plugin, so that the plugin
// can read neither the manager's keys nor its database (docs/plugin-abi.md, "Process isolation"):
// it becomes an unprivileged user, and Landlock limits the files it can reach to the system
// directories it needs to run, a private temp directory and the paths the operator listed.
// The manager probes landlock_abi() too, to say once when the kernel has no Landlock.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.h"

namespace corral::manager::providers {

// The Landlock ABI version the kernel offers; 0 when it has none (or it is disabled).
int landlock_abi();

// Drops every group, then becomes GID and UID for good (real, effective and saved), and checks
// that root cannot be regained.
Status become_user(uid_t uid, gid_t gid);

struct FilesystemRules {
  // Read and run (files and directories beneath).
  std::vector<std::string> read;
  // Read, run, write, create, remove and rename beneath.
  std::vector<std::string> write;
  // Read and run this open file (the plugin, loaded through /proc/self/fd); -1: none.
  int read_fd = -1;
};

// The system directories a plugin needs to run: the libraries, /etc (resolver, CA store, time
// zones), the process's own /proc entry, CPU counts; paths that do not exist are skipped.
std::vector<std::string> system_read_paths();
// Devices anyone may use: /dev/null (read and write), /dev/urandom, /dev/random, /dev/zero.
std::vector<std::string> system_device_paths();

enum class Confinement { landlock, unavailable };

// Sets no_new_privs and restricts this process (and everything it starts from now on) to RULES.
// Returns Confinement::unavailable when the kernel has no Landlock, and an error, naming the
// path, when a listed path cannot be opened or the restriction fails.
Result<Confinement> confine_filesystem(const FilesystemRules& rules);

}  // namespace corral::manager::providers
