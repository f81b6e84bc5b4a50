#include "manager/providers/host_launch.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace corral::manager::providers {
namespace {

// Removes what is in the directory DIR_FD names, then nothing else: every step goes through a
// descriptor opened without following links, so a link planted by the plugin is removed, never
// followed.
void empty_directory(int dir_fd) {
  DIR* dir = ::fdopendir(dir_fd);
  if (dir == nullptr) {
    ::close(dir_fd);
    return;
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  int fd = ::dirfd(dir);
  for (const std::string& name : names) {
    if (::unlinkat(fd, name.c_str(), 0) == 0) continue;
    int sub = ::openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub >= 0) empty_directory(sub);
    ::unlinkat(fd, name.c_str(), AT_REMOVEDIR);
  }
  ::closedir(dir);
}

}  // namespace

Result<std::optional<PluginUser>> resolve_plugin_user(const std::string& name, const std::string& file) {
  if (::geteuid() != 0 || name.empty()) return std::optional<PluginUser>();
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  int rc = ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0 || found == nullptr) {
    return error(ErrorCode::failed_precondition,
                 "plugin " + file + ": the manager runs as root and isolated plugins run as the user '" + name +
                     "' (plugins.user), which does not exist; create it (the packages do, with systemd-sysusers) "
                     "or name another unprivileged user in plugins.user");
  }
  return std::optional<PluginUser>(PluginUser{name, found->pw_uid, found->pw_gid});
}

Result<std::unique_ptr<PrivateTmp>> PrivateTmp::create(const std::optional<PluginUser>& user) {
  std::error_code ec;
  std::string base = std::filesystem::temp_directory_path(ec).string();
  if (ec) base = "/tmp";
  std::string tmpl = base + "/corral-plugin-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return error(ErrorCode::unavailable, "cannot make a temp directory in " + base + ": " + std::strerror(errno));
  }
  std::unique_ptr<PrivateTmp> tmp(new PrivateTmp(tmpl));
  if (user && ::chown(tmpl.c_str(), user->uid, user->gid) != 0) {
    return error(ErrorCode::unavailable, "cannot give " + tmpl + " to " + user->name + ": " + std::strerror(errno));
  }
  return tmp;
}

PrivateTmp::~PrivateTmp() {
  int fd = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) empty_directory(fd);
  ::rmdir(path_.c_str());
}

std::vector<std::string> host_environment(const std::string& tmp_dir, bool proxy_from_environment,
                                          const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env = {
      {"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"LANG", "C.UTF-8"}, {"HOME", tmp_dir}, {"TMPDIR", tmp_dir}};
  // A sanitizer build's runtime options are not secrets, and its tests depend on them.
  std::vector<const char*> passed = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"};
  if (proxy_from_environment) {
    for (const char* v :
         {"https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"}) {
      passed.push_back(v);
    }
  }
  for (const char* name : passed) {
    if (const char* value = std::getenv(name)) env[name] = value;
  }
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env) {
    std::string entry = k;
    out.push_back(entry.append("=").append(v));
  }
  return out;
}

Result<LaunchedHost> launch_host(const std::vector<std::string>& argv_in, const std::vector<std::string>& env_in,
                                 const std::string& cwd, int plugin_fd) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return error(ErrorCode::internal, std::string("socketpair: ") + std::strerror(errno));
  }
  std::vector<std::string> args = argv_in;
  std::vector<std::string> envs = env_in;
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(envs.size() + 1);
  for (auto& e : envs) envp.push_back(e.data());
  envp.push_back(nullptr);

  // dup2 onto the same number would keep close-on-exec set; the actions below need PLUGIN_FD
  // elsewhere than the slots they fill.
  int plugin = ::fcntl(plugin_fd, F_DUPFD_CLOEXEC, 10);
  if (plugin < 0) {
    ::close(sv[0]);
    ::close(sv[1]);
    return error(ErrorCode::internal, std::string("cannot duplicate the plugin's descriptor: ") + std::strerror(errno));
  }

  // The child gets the socket as stdin and stdout, the manager's stderr for its logs, the plugin
  // file on fd 3, and no other descriptor of the manager. It runs in its own process group, so a
  // Ctrl-C meant for the manager does not kill it mid-call (the manager stops it in order), with
  // default signals.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, sv[1], 0);
  posix_spawn_file_actions_adddup2(&actions, sv[1], 1);
  posix_spawn_file_actions_adddup2(&actions, plugin, kPluginFd);
  posix_spawn_file_actions_addclosefrom_np(&actions, kPluginFd + 1);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(sv[1]);
  ::close(plugin);
  if (rc != 0) {
    ::close(sv[0]);
    return error(ErrorCode::unavailable, std::string(std::strerror(rc)));
  }
  return LaunchedHost{pid, sv[0]};
}

}  // namespace corral::manager::providers
