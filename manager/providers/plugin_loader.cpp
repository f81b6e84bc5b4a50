#include "manager/providers/plugin_loader.h"

#include <fcntl.h>
#include <link.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/dll/import.hpp>
#include <boost/dll/shared_library.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/encoding.h"
#include "common/text.h"
#include "manager/providers/host_services.h"

namespace corral::manager::providers {
namespace fs = std::filesystem;

namespace {

Status refuse(const std::string& file, const std::string& why) {
  return error(ErrorCode::failed_precondition, "plugin " + file + ": " + why);
}

Status check_metadata(const std::string& what, const struct stat& st, const std::vector<uid_t>& owners,
                      const std::string& file) {
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    return refuse(file, what + " is group- or world-writable (fix with chmod go-w)");
  }
  for (uid_t u : owners) {
    if (st.st_uid == u) return {};
  }
  return refuse(file, what + " is owned by uid " + std::to_string(st.st_uid) +
                          ", not by root or the user the manager runs as (uid " + std::to_string(::geteuid()) + ")");
}

}  // namespace

// SHA-256 of what FD reads from offset 0 (pread: the offset stays where it is).
Result<std::string> sha256_fd(int fd) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return error(ErrorCode::internal, "cannot start a SHA-256");
  }
  std::vector<char> buf(1 << 16);
  off_t at = 0;
  while (true) {
    ssize_t n = ::pread(fd, buf.data(), buf.size(), at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return error(ErrorCode::internal, std::string("read failed: ") + std::strerror(errno));
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n));
    at += n;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest), len));
}

namespace {

// The pin as lowercase hex, or an error when it is not 64 hex digits.
Result<std::string> normalized_pin(const std::string& pin, const std::string& file) {
  std::string out = ascii_lower(pin);
  if (out.size() != 64 || !is_lower_hex(out)) {
    return refuse(file, "the pinned sha256 '" + pin + "' is not 64 hexadecimal digits");
  }
  return out;
}

// Whether a loaded object has this name. glibc returns an already loaded object whose name
// matches before it opens anything, and a library it cannot unload (one with unique symbols, as
// C++ plugins have) keeps its name after dlclose.
bool loaded_under(const std::string& name) {
  struct Search {
    const std::string* name;
    bool found;
  } search{&name, false};
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) -> int {
        auto* s = static_cast<Search*>(data);
        if (info->dlpi_name != nullptr && *s->name == info->dlpi_name) s->found = true;
        return s->found ? 1 : 0;
      },
      &search);
  return search.found;
}

}  // namespace

CheckedPluginFile::~CheckedPluginFile() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::string> sha256_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return error(ErrorCode::not_found, "cannot read " + path + ": " + std::strerror(errno));
  Result<std::string> sum = sha256_fd(fd);
  ::close(fd);
  return sum;
}

Result<CheckedPluginFile> check_plugin_file(const LoadOptions& o) {
  if (o.file.empty()) return refuse("(no file name)", "a plugin needs a file name");
  std::string pin;
  if (!o.sha256.empty()) {
    Result<std::string> p = normalized_pin(o.sha256, o.file);
    if (!p.ok()) return p.status();
    pin = *p;
  }
  std::error_code ec;
  fs::path dir = fs::canonical(o.plugin_dir, ec);
  if (ec || !fs::is_directory(dir)) return refuse(o.file, "the plugin directory " + o.plugin_dir + " does not exist");
  fs::path path = fs::weakly_canonical(dir / o.file, ec);
  if (ec || !fs::exists(path)) return refuse(o.file, "no such file in the plugin directory " + dir.string());
  // The resolved path (links followed) must stay inside the directory.
  fs::path rel = path.lexically_relative(dir);
  if (rel.empty() || rel == "." || *rel.begin() == "..") {
    return refuse(o.file, "resolves to " + path.string() + ", outside the plugin directory " + dir.string());
  }

  std::vector<uid_t> owners = o.allowed_owners;
  if (owners.empty()) owners.push_back(::geteuid());
  owners.push_back(0);

  // Every directory from the plugin directory down to the file: whoever may write one of them
  // may swap the file.
  fs::path at = dir;
  std::string what = "the plugin directory";
  for (auto it = rel.begin(); it != rel.end(); ++it) {
    struct stat st {};
    if (::stat(at.c_str(), &st) != 0) return refuse(o.file, "cannot stat " + at.string() + ": " + std::strerror(errno));
    if (Status s = check_metadata(what + " " + at.string(), st, owners, o.file); !s.ok()) return s;
    if (std::next(it) == rel.end()) break;
    at /= *it;
    what = "the directory";
  }

  // O_NONBLOCK: opening a FIFO must not hang the manager; it is refused below as not regular.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return refuse(o.file, "cannot open " + path.string() + ": " + std::strerror(errno));
  CheckedPluginFile checked(path.string(), "", fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return refuse(o.file, std::string("cannot stat it: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return refuse(o.file, "not a regular file");
  if (Status s = check_metadata("the file", st, owners, o.file); !s.ok()) return s;

  Result<std::string> actual = sha256_fd(fd);
  if (!actual.ok()) return refuse(o.file, actual.status().message());
  if (!pin.empty() && *actual != pin) {
    return refuse(o.file, "its SHA-256 is " + *actual + " but the configuration pins " + pin);
  }
  return CheckedPluginFile(checked.path(), *actual, checked.release());
}

Result<std::shared_ptr<InProcessClient>> load_in_process(const LoadOptions& o) {
  Result<CheckedPluginFile> checked = check_plugin_file(o);
  if (!checked.ok()) return checked.status();
  return load_checked(std::move(checked).value(), o);
}

Result<std::shared_ptr<InProcessClient>> load_checked(CheckedPluginFile file, const LoadOptions& o) {
  auto host = std::make_unique<HostServices>(o.file, o.http);

  // Load what was checked: the descriptor, not the name. It stays open while the library is
  // loaded, and gets a number no loaded object is named after (see loaded_under).
  int fd = file.release();
  auto fd_path = [](int n) { return "/proc/self/fd/" + std::to_string(n); };
  while (loaded_under(fd_path(fd))) {
    int higher = ::fcntl(fd, F_DUPFD_CLOEXEC, fd + 1);
    ::close(fd);
    if (higher < 0) return refuse(o.file, std::string("cannot duplicate its descriptor: ") + std::strerror(errno));
    fd = higher;
  }
  std::string load_path = fd_path(fd);
  if (::access(load_path.c_str(), F_OK) != 0) load_path = file.path();  // no /proc
  std::unique_ptr<boost::dll::shared_library> loaded;
  try {
    loaded = std::make_unique<boost::dll::shared_library>(
        load_path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    ::close(fd);
    std::string why = e.what();
    for (size_t p = why.find(load_path); p != std::string::npos; p = why.find(load_path, p + file.path().size())) {
      why.replace(p, load_path.size(), file.path());
    }
    return refuse(o.file, "not a loadable shared library: " + why);
  }
  std::shared_ptr<boost::dll::shared_library> lib(loaded.release(), [fd](boost::dll::shared_library* l) {
    delete l;
    ::close(fd);
  });
  if (!lib->has(CORRAL_PLUGIN_ENTRY_NAME)) {
    return refuse(o.file, "not a Corral provider plugin (no " CORRAL_PLUGIN_ENTRY_NAME " entry)");
  }
  const corral_plugin_v1* table = nullptr;
  corral_status s = CORRAL_ERR_INTERNAL;
  {
    auto entry = boost::dll::import_alias<corral_status(const corral_host_v1*, const corral_plugin_v1**)>(
        *lib, CORRAL_PLUGIN_ENTRY_NAME);
    s = entry(host->table(), &table);
  }
  if (s == CORRAL_ERR_ABI_VERSION) {
    return refuse(o.file, "the plugin refused this manager's ABI " + std::to_string(CORRAL_PLUGIN_ABI_MAJOR) + "." +
                              std::to_string(CORRAL_PLUGIN_ABI_MINOR) + " (built for a newer one?)");
  }
  if (s != CORRAL_OK || table == nullptr) {
    return refuse(o.file, "its entry function failed with status " + std::to_string(s));
  }
  // Nothing but the version fields is read before this check, and nothing is called.
  if (table->abi_major != CORRAL_PLUGIN_ABI_MAJOR) {
    return refuse(o.file, "plugin ABI " + std::to_string(table->abi_major) + "." + std::to_string(table->abi_minor) +
                              ", this manager speaks " + std::to_string(CORRAL_PLUGIN_ABI_MAJOR) + ".x");
  }
  if (table->struct_size < sizeof(corral_plugin_v1)) {
    return refuse(o.file, "its plugin table is " + std::to_string(table->struct_size) + " bytes, ABI " +
                              std::to_string(CORRAL_PLUGIN_ABI_MAJOR) + ".0 needs " +
                              std::to_string(sizeof(corral_plugin_v1)));
  }
  if (table->invoke == nullptr || table->free_buffer == nullptr || table->shutdown == nullptr) {
    return refuse(o.file, "its plugin table lacks invoke, free_buffer or shutdown");
  }
  auto client = InProcessClient::start(std::move(lib), std::move(host), table, o.file);
  if (!client.ok()) return client.status();
  return std::shared_ptr<InProcessClient>(std::move(client).value());
}

}  // namespace corral::manager::providers
