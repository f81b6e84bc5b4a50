#include "common/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace corral {

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error(ErrorCode::not_found, "cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status write_file_atomic(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return error(ErrorCode::internal, "cannot create " + tmp + ": " + std::strerror(errno));
  // The umask may have narrowed MODE; secrets want exactly MODE.
  ::fchmod(fd, mode);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return error(ErrorCode::internal, "cannot write " + tmp + ": " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return error(ErrorCode::internal, "cannot flush " + tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return error(ErrorCode::internal, "cannot rename " + tmp + " to " + path + ": " + std::strerror(e));
  }
  return {};
}

Status ensure_directory(const std::string& path, mode_t mode) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return {};
  std::filesystem::create_directories(path, ec);
  if (ec) return error(ErrorCode::internal, "cannot create directory " + path + ": " + ec.message());
  ::chmod(path.c_str(), mode);
  return {};
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Status check_private(const std::string& path, std::string_view kind) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int e = errno;
    return error(e == ENOENT ? ErrorCode::not_found : ErrorCode::internal,
                 "cannot check the mode of " + std::string(kind) + " " + path + ": " + std::strerror(e));
  }
  mode_t mode = st.st_mode & 07777;
  if ((mode & (S_IRWXG | S_IRWXO)) == 0) return {};
  bool directory = S_ISDIR(st.st_mode);
  char octal[8];
  std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
  std::string wanted = directory ? "700" : "600";
  return error(ErrorCode::failed_precondition, std::string(kind) + " " + path + " is mode " + octal +
                                                   ", open to group or others; it must be mode 0" + wanted +
                                                   " (chmod " + wanted + " " + path + ")");
}

}  // namespace corral
