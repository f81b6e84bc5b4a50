#include "manager/providers/plugin_sandbox.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

// Debian 12's kernel headers stop at Landlock ABI 2; the later access rights are fixed numbers.
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif

namespace corral::manager::providers {
namespace {

constexpr uint64_t kReadAccess =
    LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
// What a rule on a file (not a directory) may carry.
constexpr uint64_t kFileAccess = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
                                 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |
                                 LANDLOCK_ACCESS_FS_IOCTL_DEV;
// Everything but making device nodes.
constexpr uint64_t kWriteAccess = ~(LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK);

// Every filesystem right the kernel's ABI knows: a right it knows but we do not handle would be
// allowed everywhere (before ABI 3, truncate() was allowed on any file whatever the rules).
uint64_t handled_access(int abi) {
  uint64_t all = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;
  if (abi >= 2) all |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3) all |= LANDLOCK_ACCESS_FS_TRUNCATE;
  if (abi >= 5) all |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
  return all;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Status add_rule(int ruleset, int fd, uint64_t access, uint64_t handled, const std::string& what) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return error(ErrorCode::failed_precondition, "cannot stat " + what + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) access &= kFileAccess;
  landlock_path_beneath_attr rule{};
  rule.allowed_access = access & handled;
  rule.parent_fd = fd;
  if (rule.allowed_access == 0) return {};
  if (::syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0) {
    return error(ErrorCode::failed_precondition, "cannot allow " + what + ": " + std::strerror(errno));
  }
  return {};
}

Status add_path(int ruleset, const std::string& path, uint64_t access, uint64_t handled, bool must_exist) {
  Fd fd(::open(path.c_str(), O_PATH | O_CLOEXEC));
  if (fd.get() < 0) {
    if (!must_exist && errno == ENOENT) return {};
    return error(ErrorCode::failed_precondition, "cannot open " + path + ": " + std::strerror(errno));
  }
  return add_rule(ruleset, fd.get(), access, handled, path);
}

}  // namespace

int landlock_abi() {
  long v = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return v < 0 ? 0 : static_cast<int>(v);
}

Status become_user(uid_t uid, gid_t gid) {
  if (::setgroups(0, nullptr) != 0) {
    return error(ErrorCode::permission_denied,
                 std::string("cannot drop supplementary groups: ") + std::strerror(errno));
  }
  if (::setresgid(gid, gid, gid) != 0) {
    return error(ErrorCode::permission_denied,
                 "cannot become gid " + std::to_string(gid) + ": " + std::strerror(errno));
  }
  if (::setresuid(uid, uid, uid) != 0) {
    return error(ErrorCode::permission_denied,
                 "cannot become uid " + std::to_string(uid) + ": " + std::strerror(errno));
  }
  uid_t r = 0, e = 0, s = 0;
  ::getresuid(&r, &e, &s);
  if (r != uid || e != uid || s != uid || (uid != 0 && ::setuid(0) == 0)) {
    return error(ErrorCode::internal, "the switch to uid " + std::to_string(uid) + " did not hold");
  }
  return {};
}

std::vector<std::string> system_read_paths() {
  return {"/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin", "/etc",
          // /etc/resolv.conf is a link into here where systemd-resolved runs.
          "/run/systemd/resolve",
          // Resolved now, so this is this process's own entry and no other process's.
          "/proc/self", "/sys/devices/system/cpu"};
}

std::vector<std::string> system_device_paths() { return {"/dev/null", "/dev/urandom", "/dev/random", "/dev/zero"}; }

Result<Confinement> confine_filesystem(const FilesystemRules& rules) {
  const int abi = landlock_abi();
  if (abi < 1) return Confinement::unavailable;
  const uint64_t handled = handled_access(abi);
  landlock_ruleset_attr attr{};
  attr.handled_access_fs = handled;
  Fd ruleset(static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0)));
  if (ruleset.get() < 0) {
    return error(ErrorCode::internal, std::string("cannot create a Landlock ruleset: ") + std::strerror(errno));
  }
  for (const std::string& p : system_read_paths()) {
    if (Status s = add_path(ruleset.get(), p, kReadAccess, handled, false); !s.ok()) return s;
  }
  for (const std::string& p : system_device_paths()) {
    uint64_t access = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_IOCTL_DEV;
    if (p == "/dev/null") access |= LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE;
    if (Status s = add_path(ruleset.get(), p, access, handled, false); !s.ok()) return s;
  }
  for (const std::string& p : rules.read) {
    if (Status s = add_path(ruleset.get(), p, kReadAccess, handled, true); !s.ok()) return s;
  }
  for (const std::string& p : rules.write) {
    if (Status s = add_path(ruleset.get(), p, kWriteAccess, handled, true); !s.ok()) return s;
  }
  if (rules.read_fd >= 0) {
    if (Status s = add_rule(ruleset.get(), rules.read_fd, kReadAccess, handled, "the plugin file"); !s.ok()) return s;
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return error(ErrorCode::internal, std::string("cannot set no_new_privs: ") + std::strerror(errno));
  }
  if (::syscall(SYS_landlock_restrict_self, ruleset.get(), 0) != 0) {
    return error(ErrorCode::internal, std::string("cannot enforce the Landlock ruleset: ") + std::strerror(errno));
  }
  return Confinement::landlock;
}

}  // namespace corral::manager::providers
