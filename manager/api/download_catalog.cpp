#include "manager/api/download_catalog.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <iterator>

#include "common/encoding.h"
#include "common/log.h"
#include "common/text.h"

namespace corral::manager::api {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Words of a name split at '-', '_' and '.', lower-cased.
std::vector<std::string> name_words(std::string_view name) {
  std::vector<std::string> out;
  std::string word;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      if (!word.empty()) out.push_back(ascii_lower(word));
      word.clear();
    } else {
      word.push_back(c);
    }
  }
  if (!word.empty()) out.push_back(ascii_lower(word));
  return out;
}

std::string os_from_words(const std::vector<std::string>& words) {
  for (const auto& w : words) {
    if (w == "linux") return "linux";
    if (w == "windows" || w == "win" || w == "win64" || w == "win32") return "windows";
    if (w == "darwin" || w == "macos") return "darwin";
  }
  return "";
}

std::string arch_from_words(const std::vector<std::string>& words) {
  static const char* const kArchs[] = {"amd64", "x86", "x64", "arm64", "aarch64", "i386", "i686", "armhf", "386"};
  for (auto it = words.rbegin(); it != words.rend(); ++it) {
    // "x86_64" splits into "x86" and "64".
    if (*it == "64" && std::next(it) != words.rend() && *std::next(it) == "x86") return "x86_64";
    if (std::find(std::begin(kArchs), std::end(kArchs), *it) != std::end(kArchs)) return *it;
  }
  return "";
}

std::string not_served(std::string_view name) { return "no download named '" + sanitize_printable(name, 255) + "'"; }

// RESOLVED lies inside DIR (both canonical) and no part of it below DIR is hidden.
bool inside_and_visible(const std::string& dir, const std::string& resolved) {
  if (resolved.size() <= dir.size() + 1 || resolved.compare(0, dir.size(), dir) != 0 || resolved[dir.size()] != '/') {
    return false;
  }
  std::string_view rest(resolved);
  rest.remove_prefix(dir.size());
  for (size_t at = 0; at < rest.size(); ++at) {
    if (rest[at] == '/' && at + 1 < rest.size() && rest[at + 1] == '.') return false;
  }
  return true;
}

std::string canonical(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : std::string();
}

}  // namespace

DownloadFile describe_download_name(std::string_view name) {
  DownloadFile d;
  d.name = std::string(name);
  const std::vector<std::string> words = name_words(name);
  if (ends_with(name, ".deb")) {
    d.kind = "deb";
    d.os = "linux";
    // name_version_arch.deb
    std::string_view stem = name.substr(0, name.size() - 4);
    size_t underscore = stem.rfind('_');
    if (underscore != std::string_view::npos) d.arch = std::string(stem.substr(underscore + 1));
  } else if (ends_with(name, ".rpm")) {
    d.kind = "rpm";
    d.os = "linux";
    // name-version-release.arch.rpm
    std::string_view stem = name.substr(0, name.size() - 4);
    size_t dot = stem.rfind('.');
    if (dot != std::string_view::npos) d.arch = std::string(stem.substr(dot + 1));
  } else {
    if (ends_with(name, ".msi")) {
      d.kind = "msi";
      d.os = "windows";
    } else if (ends_with(name, ".exe")) {
      d.kind = "exe";
      d.os = "windows";
    } else {
      d.kind = "file";
      d.os = os_from_words(words);
    }
    d.arch = arch_from_words(words);
  }
  return d;
}

Result<std::vector<DownloadFile>> DownloadCatalog::list() {
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return std::vector<DownloadFile>{};
    return error(ErrorCode::unavailable, "cannot read the downloads directory: " + std::string(std::strerror(errno)));
  }
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
  ::closedir(d);
  std::sort(names.begin(), names.end());

  std::vector<DownloadFile> out;
  for (const std::string& name : names) {
    if (name.empty() || name[0] == '.' || !check_printable(name, "name", 255).ok()) continue;
    auto opened = open(name);
    if (opened.ok()) {
      out.push_back(std::move(opened->file));
    } else if (opened.status().code() != ErrorCode::not_found) {
      log::warn("downloads.unreadable", {{"name", name}, {"reason", opened.status().message()}});
    }
  }
  return out;
}

Result<DownloadCatalog::Opened> DownloadCatalog::open(std::string_view name) {
  if (name.empty() || name[0] == '.' || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return error(ErrorCode::not_found, not_served(name));
  }
  const std::string dir = canonical(dir_);
  const std::string resolved = dir.empty() ? "" : canonical(dir_ + "/" + std::string(name));
  if (resolved.empty() || !inside_and_visible(dir, resolved)) return error(ErrorCode::not_found, not_served(name));
  // O_NOFOLLOW: the canonical path names no link, so one appearing there since is not followed.
  int fd = ::open(resolved.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
  if (fd < 0) return error(ErrorCode::not_found, not_served(name));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return error(ErrorCode::not_found, not_served(name));
  }
  Opened out;
  out.body = std::make_shared<FileBody>(fd, static_cast<uint64_t>(st.st_size));  // owns fd from here
  auto sha256 = sha256_of(std::string(name), fd, st);
  if (!sha256.ok()) return sha256.status();
  out.file = describe_download_name(name);
  out.file.size = out.body->size();
  out.file.sha256 = std::move(*sha256);
  return out;
}

Result<std::string> DownloadCatalog::sha256_of(const std::string& name, int fd, const struct stat& st) {
  const Hashed key{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                   static_cast<uint64_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec, ""};
  {
    std::lock_guard lock(mu_);
    auto it = hashes_.find(name);
    if (it != hashes_.end() && it->second.device == key.device && it->second.inode == key.inode &&
        it->second.size == key.size && it->second.mtime_ns == key.mtime_ns) {
      return it->second.sha256;
    }
  }
  // Outside the lock: hashing a large file must not hold up the answers for others.
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return error(ErrorCode::internal, "cannot start a SHA-256 digest");
  }
  std::vector<unsigned char> buf(256 * 1024);
  uint64_t offset = 0;
  while (offset < key.size) {
    ssize_t n = ::pread(fd, buf.data(), std::min<uint64_t>(buf.size(), key.size - offset), static_cast<off_t>(offset));
    if (n <= 0) return error(ErrorCode::unavailable, "cannot read " + name + ": it changed or failed while hashed");
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  Hashed fresh = key;
  fresh.sha256 = to_hex(std::string(reinterpret_cast<const char*>(digest), length));
  log::info("downloads.hashed", {{"name", name}, {"size", static_cast<int64_t>(key.size)}, {"sha256", fresh.sha256}});
  std::lock_guard lock(mu_);
  hashes_[name] = fresh;
  return fresh.sha256;
}

}  // namespace corral::manager::api
