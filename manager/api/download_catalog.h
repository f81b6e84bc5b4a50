// What the manager serves under /downloads/: the files of one directory (agent packages and
// binaries a new VM's startup script installs), each with its SHA-256. The download routes call
// it on a worker thread: it reads the directory and the files, and hashes each file once per
// size and modification time. Thread-safe.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "manager/net/transport.h"

namespace corral::manager::api {

struct DownloadFile {
  std::string name;
  std::string kind;  // "deb", "rpm", "msi", "exe" or "file"
  std::string os;    // "linux", "windows", "darwin", or empty when the name does not say
  std::string arch;  // as the name says it ("amd64", "x86_64", "arm64", "noarch"), or empty
  uint64_t size = 0;
  std::string sha256;  // lowercase hex
};

// What the name of a download says about it: kind from the extension, OS and architecture from
// the Debian (name_version_arch.deb) and RPM (name-version-release.arch.rpm) conventions, else
// from words of the name ("corral-agent-windows-x64.msi", "corral-agent-linux-arm64").
DownloadFile describe_download_name(std::string_view name);

class DownloadCatalog {
 public:
  explicit DownloadCatalog(std::string dir) : dir_(std::move(dir)) {}

  const std::string& dir() const { return dir_; }

  // Every file served, by name. A directory that does not exist serves nothing (not an error);
  // one that cannot be read is unavailable.
  Result<std::vector<DownloadFile>> list();

  struct Opened {
    DownloadFile file;
    std::shared_ptr<const FileBody> body;
  };
  // The file NAME, open for reading. not_found, saying nothing about the directory, for anything
  // not served: a name with '/' or starting with '.', a directory, a symlink resolving outside the
  // directory or to a hidden file, a file that is not regular.
  Result<Opened> open(std::string_view name);

 private:
  struct Hashed {
    uint64_t device = 0;
    uint64_t inode = 0;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    std::string sha256;
  };
  // The hash of the open file `fd` with `st`'s identity: from the cache, or read now and kept.
  Result<std::string> sha256_of(const std::string& name, int fd, const struct stat& st);

  const std::string dir_;
  std::mutex mu_;
  std::map<std::string, Hashed, std::less<>> hashes_;  // by name; guarded by mu_
};

}  // namespace corral::manager::api
