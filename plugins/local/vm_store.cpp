#include "plugins/local/vm_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace corral::local {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json to_json(const VmRecord& r) {
  return json{{"id", r.id},
              {"hostname", r.hostname},
              {"tags", r.tags},
              {"idempotency_key", r.idempotency_key},
              {"os_type", r.os_type},
              {"zone", r.zone},
              {"created_unix_ms", r.created_unix_ms},
              {"pid", r.pid},
              {"session", r.session},
              {"start_ticks", r.start_ticks}};
}

std::optional<VmRecord> read_record(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  VmRecord r;
  r.id = j.value("id", "");
  r.hostname = j.value("hostname", "");
  r.tags = j.value("tags", std::map<std::string, std::string>{});
  r.idempotency_key = j.value("idempotency_key", "");
  r.os_type = j.value("os_type", 0);
  r.zone = j.value("zone", "");
  r.created_unix_ms = j.value("created_unix_ms", int64_t{0});
  r.pid = j.value("pid", 0);
  r.session = j.value("session", 0);
  r.start_ticks = j.value("start_ticks", uint64_t{0});
  if (r.id.empty()) return std::nullopt;
  return r;
}

}  // namespace

bool VmStore::prepare(std::string* error) const {
  std::error_code ec;
  fs::create_directories(dir_ + "/vms", ec);
  if (ec) {
    *error = "cannot create " + dir_ + "/vms: " + ec.message();
    return false;
  }
  return true;
}

std::vector<VmRecord> VmStore::list() const {
  std::vector<VmRecord> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_ + "/vms", ec)) {
    if (!entry.is_directory()) continue;
    if (auto r = read_record(entry.path() / "vm.json")) out.push_back(std::move(*r));
  }
  return out;
}

std::optional<VmRecord> VmStore::find(const std::string& id) const {
  // Ids are made here; anything else (a path, "..") is simply not found.
  if (id.empty() || id.find('/') != std::string::npos || id[0] == '.') return std::nullopt;
  return read_record(fs::path(vm_dir(id)) / "vm.json");
}

bool VmStore::write(const VmRecord& record, std::string* error) const {
  fs::path dir = vm_dir(record.id);
  fs::path tmp = dir / "vm.json.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << to_json(record).dump(2) << "\n";
    out.flush();
    if (!out) {
      *error = "cannot write " + tmp.string();
      return false;
    }
  }
  std::error_code ec;
  fs::rename(tmp, dir / "vm.json", ec);
  if (ec) {
    *error = "cannot rename " + tmp.string() + ": " + ec.message();
    return false;
  }
  return true;
}

bool VmStore::remove(const std::string& id, std::string* error) const {
  std::error_code ec;
  fs::remove_all(vm_dir(id), ec);
  if (ec) {
    *error = "cannot remove " + vm_dir(id) + ": " + ec.message();
    return false;
  }
  return true;
}

VmStore::Lock::Lock(const std::string& state_dir) {
  fd_ = ::open((state_dir + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

VmStore::Lock::~Lock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace corral::local
