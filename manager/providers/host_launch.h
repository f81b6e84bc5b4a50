// How the manager starts corral-plugin-host for an isolated plugin with nothing of its own
// (docs/plugin-abi.md, "Process isolation"): a fixed environment instead of the manager's, no
// descriptor but the channel, stderr and the checked plugin file, a private temp directory as its
// working directory, and, when the manager runs as root, the plugin user to become. The host
// confines itself (plugin_sandbox.h) before it loads the plugin. Used by IsolatedClient.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace corral::manager::providers {

// plugins.user when the config leaves it empty; the packages create it (installers/systemd).
inline constexpr char kDefaultPluginUser[] = "corral-plugin";

struct PluginUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// The user the host becomes: nullopt when this process is not root (the host runs as this
// process's user) or NAME is empty. An error naming the user and FILE when root and NAME does not
// exist.
Result<std::optional<PluginUser>> resolve_plugin_user(const std::string& name, const std::string& file);

// A directory only the plugin (and root) may use, made fresh for each host process; what is left
// in it is removed with it, without following links a plugin may have planted.
class PrivateTmp {
 public:
  // Under the system temp directory, mode 0700, owned by USER when given.
  static Result<std::unique_ptr<PrivateTmp>> create(const std::optional<PluginUser>& user);
  ~PrivateTmp();
  PrivateTmp(const PrivateTmp&) = delete;
  PrivateTmp& operator=(const PrivateTmp&) = delete;
  const std::string& path() const { return path_; }

 private:
  explicit PrivateTmp(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// The host's whole environment: PATH and LANG fixed, HOME and TMPDIR the private temp directory,
// the sanitizer options (*SAN_OPTIONS) when this process has them, the proxy variables when
// PROXY_FROM_ENVIRONMENT (plugins.http.proxy_from_environment), then EXTRA.
std::vector<std::string> host_environment(const std::string& tmp_dir, bool proxy_from_environment,
                                          const std::map<std::string, std::string>& extra);

struct LaunchedHost {
  pid_t pid = 0;
  int channel = -1;  // the manager's end of the socket pair; the caller closes it
};

// Starts ARGV with ENV in CWD: the channel on fds 0 and 1, this process's stderr on 2, PLUGIN_FD on
// 3 (kPluginFd), nothing else. Its own process group, default signal dispositions.
inline constexpr int kPluginFd = 3;
Result<LaunchedHost> launch_host(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                 const std::string& cwd, int plugin_fd);

}  // namespace corral::manager::providers
