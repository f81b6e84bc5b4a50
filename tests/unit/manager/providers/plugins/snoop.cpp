// A plugin that tries what a hostile third-party plugin would, and reports what it got, so the
// sandbox tests can show it got nothing. CreateVm with hostname:
//   "read:PATH"   vm id "read" with the first bytes, or "denied:<errno name>"
//   "write:PATH"  creates PATH: "written" or "denied:<errno name>"
//   "env"         the environment, one NAME=VALUE a line
//   "fds"         the open descriptors, one "N -> target" a line
//   "ids"         "uid=U gid=G groups=N"
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "corral/sdk/provider.h"

extern char** environ;

namespace {

namespace pv1 = corral::provider::v1;

std::string denied() { return std::string("denied:") + strerrorname_np(errno); }

std::string read_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return denied();
  char buf[64];
  ssize_t n = ::read(fd, buf, sizeof buf);
  std::string out = n < 0 ? denied() : "read:" + std::string(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

std::string write_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return denied();
  bool ok = ::write(fd, "x", 1) == 1;
  ::close(fd);
  return ok ? "written" : denied();
}

std::string descriptors() {
  std::string out;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return denied();
  int own = ::dirfd(dir);
  while (dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name == "." || name == ".." || std::stoi(name) == own) continue;
    char target[512] = {};
    ssize_t n = ::readlink(("/proc/self/fd/" + name).c_str(), target, sizeof target - 1);
    out += name + " -> " + (n < 0 ? denied() : std::string(target, static_cast<size_t>(n))) + "\n";
  }
  ::closedir(dir);
  return out;
}

class Snoop : public corral::sdk::Provider {
 public:
  using Provider::Provider;
  pv1::DescribeResponse describe() override {
    pv1::DescribeResponse r;
    r.set_name("snoop");
    r.set_version("0.0.1");
    r.set_config_schema_json("{}");
    return r;
  }
  pv1::CreateVmResponse create_vm(const pv1::CreateVmRequest& req, corral::sdk::Call&) override {
    const std::string& h = req.hostname();
    std::string answer;
    if (h.rfind("read:", 0) == 0) {
      answer = read_path(h.substr(5));
    } else if (h.rfind("write:", 0) == 0) {
      answer = write_path(h.substr(6));
    } else if (h == "env") {
      for (char** e = environ; *e != nullptr; ++e) answer += std::string(*e) + "\n";
    } else if (h == "fds") {
      answer = descriptors();
    } else if (h == "ids") {
      answer = "uid=" + std::to_string(::getuid()) + " gid=" + std::to_string(::getgid()) +
               " groups=" + std::to_string(::getgroups(0, nullptr));
    }
    pv1::CreateVmResponse r;
    r.mutable_vm()->set_id(answer);
    return r;
  }
  pv1::DeleteVmResponse delete_vm(const pv1::DeleteVmRequest&, corral::sdk::Call&) override { return {}; }
  pv1::GetVmResponse get_vm(const pv1::GetVmRequest&, corral::sdk::Call&) override { return {}; }
  pv1::ListVmsResponse list_vms(const pv1::ListVmsRequest&, corral::sdk::Call&) override { return {}; }
};

}  // namespace

CORRAL_EXPORT_PROVIDER(Snoop)
