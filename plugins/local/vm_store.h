// The local provider's state on disk, so that a new plugin instance (after a manager or plugin
// host restart) sees the VMs an earlier one made:
//   <state_dir>/.lock                 flock'd by every create and delete (threads and processes)
//   <state_dir>/vms/<id>/vm.json      the VM's record, written atomically (temp file + rename)
//   <state_dir>/vms/<id>/startup.sh   the rendered startup script
//   <state_dir>/vms/<id>/console.log  its stdout and stderr
// A directory whose vm.json is missing is a create that did not finish; it is removed.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace corral::local {

struct VmRecord {
  std::string id;
  std::string hostname;
  std::map<std::string, std::string> tags;
  std::string idempotency_key;
  int os_type = 0;
  std::string zone;
  int64_t created_unix_ms = 0;
  pid_t pid = 0;
  pid_t session = 0;
  uint64_t start_ticks = 0;
};

class VmStore {
 public:
  explicit VmStore(std::string state_dir) : dir_(std::move(state_dir)) {}

  // Creates <state_dir>/vms if needed. False with `error` when it cannot.
  bool prepare(std::string* error) const;
  std::string vm_dir(const std::string& id) const { return dir_ + "/vms/" + id; }

  std::vector<VmRecord> list() const;
  std::optional<VmRecord> find(const std::string& id) const;
  bool write(const VmRecord& record, std::string* error) const;
  // Removes the VM's directory and everything in it.
  bool remove(const std::string& id, std::string* error) const;

  // Holds the state directory's lock for its lifetime.
  class Lock {
   public:
    explicit Lock(const std::string& state_dir);
    ~Lock();
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;
    bool held() const { return fd_ >= 0; }

   private:
    int fd_ = -1;
  };
  Lock lock() const { return Lock(dir_); }

 private:
  std::string dir_;
};

}  // namespace corral::local
