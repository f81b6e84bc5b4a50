// Loads a provider plugin into this process (Boost.DLL), enforcing the loading rules of
// docs/plugin-abi.md before any of its code runs, and checking its ABI before any call but the
// entry. What it returns keeps the library loaded: every client of a plugin holds it.
//
// The file is checked through an open descriptor and loaded through that same descriptor
// (/proc/self/fd/N), so the bytes that were hashed and checked are the bytes that run, even if
// the file is replaced in between.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "manager/providers/in_process_client.h"

namespace corral::manager::providers {

class HostHttpClient;

struct LoadOptions {
  std::string plugin_dir;  // plugins load only from here
  std::string file;        // relative to plugin_dir
  std::string sha256;      // optional pin: 64 hex digits (either case)
  // Owners allowed besides root; empty means the user the process runs as.
  std::vector<uid_t> allowed_owners;
  // Serves corral_host_v1.http_request; null: the plugin gets CORRAL_ERR_UNAVAILABLE.
  std::shared_ptr<const HostHttpClient> http;
};

// A plugin file that passed the checks, held open.
class CheckedPluginFile {
 public:
  CheckedPluginFile(std::string path, std::string sha256, int fd)
      : path_(std::move(path)), sha256_(std::move(sha256)), fd_(fd) {}
  CheckedPluginFile(CheckedPluginFile&& other) noexcept
      : path_(std::move(other.path_)), sha256_(std::move(other.sha256_)), fd_(other.release()) {}
  CheckedPluginFile& operator=(CheckedPluginFile&&) = delete;
  ~CheckedPluginFile();

  const std::string& path() const { return path_; }      // links resolved
  const std::string& sha256() const { return sha256_; }  // lowercase hex, of what fd() reads
  int fd() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  std::string path_;
  std::string sha256_;
  int fd_;
};

// Checks the file without loading it: inside plugin_dir once links are resolved, a regular file,
// neither it nor any directory from plugin_dir down to it group- or world-writable or owned by
// anyone but root or an allowed user, and matching the pinned hash. Errors name the file.
Result<CheckedPluginFile> check_plugin_file(const LoadOptions& options);

// check_plugin_file, then load_checked.
Result<std::shared_ptr<InProcessClient>> load_in_process(const LoadOptions& options);

// Loads FILE (what check_plugin_file returned for OPTIONS) through its descriptor, calls the
// entry, checks the ABI, calls Describe once.
Result<std::shared_ptr<InProcessClient>> load_checked(CheckedPluginFile file, const LoadOptions& options);

// Lowercase hex SHA-256 of a file.
Result<std::string> sha256_file(const std::string& path);
// ... of what FD reads from offset 0 (its offset is left where it was).
Result<std::string> sha256_fd(int fd);

}  // namespace corral::manager::providers
