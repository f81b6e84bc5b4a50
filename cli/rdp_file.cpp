#include "cli/rdp_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cli/terminal_text.h"
#include "common/files.h"

namespace corral::cli {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

// filename="x" or filename=x from one header value; "" when absent.
std::string filename_parameter(const std::string& value) {
  const std::string lowered = lower(value);
  for (size_t at = lowered.find("filename="); at != std::string::npos; at = lowered.find("filename=", at + 1)) {
    // "filename*=" (RFC 5987) is a different parameter; so is "xfilename=".
    if (at > 0 && lowered[at - 1] != ';' && lowered[at - 1] != ' ') continue;
    size_t start = at + 9;
    if (start < value.size() && value[start] == '"') {
      size_t close = value.find('"', start + 1);
      if (close == std::string::npos) return "";
      return value.substr(start + 1, close - start - 1);
    }
    size_t end = value.find(';', start);
    std::string name = value.substr(start, end == std::string::npos ? std::string::npos : end - start);
    while (!name.empty() && name.back() == ' ') name.pop_back();
    return name;
  }
  return "";
}

bool safe_name(const std::string& name) {
  if (name.size() <= 4 || name.size() > 255 || name.front() == '.' || name.front() == '-') return false;
  if (lower(name.substr(name.size() - 4)) != ".rdp") return false;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') return false;
  }
  return visible(name) == name;  // no C1 controls or bidi marks either
}

}  // namespace

std::string rdp_file_name(const http::Headers& headers, const std::string& session_id) {
  for (const auto& [name, value] : headers) {
    if (lower(name) != "content-disposition") continue;
    std::string suggested = filename_parameter(value);
    if (safe_name(suggested)) return suggested;
  }
  return "session-" + session_id + ".rdp";
}

Status write_rdp_file(const std::string& path, const std::string& data, bool force) {
  if (force) return write_file_atomic(path, data, 0600);
  // O_EXCL: the check and the creation are one step, so nothing written meanwhile is replaced.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      return error(ErrorCode::already_exists, path + " exists: pass --force to replace it, or -o FILE");
    }
    return error(ErrorCode::internal, "cannot create " + path + ": " + std::strerror(errno));
  }
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = std::strerror(errno);
      ::close(fd);
      return error(ErrorCode::internal, "cannot write " + path + ": " + why);
    }
    written += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return error(ErrorCode::internal, "cannot write " + path + ": " + std::strerror(errno));
  return {};
}

}  // namespace corral::cli
