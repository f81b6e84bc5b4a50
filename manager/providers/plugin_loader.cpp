#include "manager/providers/plugin_loader.h"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/dll/import.hpp>
#include <boost/dll/shared_library.hpp>
#include <filesystem>
#include <fstream>

#include "common/log.h"
#include "manager/providers/in_process_client.h"

namespace corral::manager::providers {
namespace fs = std::filesystem;

namespace {

Status refuse(const std::string& file, const std::string& why) {
  return error(ErrorCode::failed_precondition, "plugin " + file + ": " + why);
}

Status check_mode(const std::string& what, const struct stat& st, const std::string& file) {
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    return refuse(file, what + " is group- or world-writable (fix with chmod go-w)");
  }
  return {};
}

}  // namespace

Result<std::string> sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error(ErrorCode::not_found, "cannot read " + path);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    EVP_DigestUpdate(ctx, buf, static_cast<size_t>(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

Result<std::string> check_plugin_file(const LoadOptions& o) {
  std::error_code ec;
  fs::path dir = fs::canonical(o.plugin_dir, ec);
  if (ec) return refuse(o.file, "plugin directory " + o.plugin_dir + " does not exist");
  fs::path path = fs::weakly_canonical(dir / o.file, ec);
  if (ec || !fs::exists(path)) return refuse(o.file, "no such file in " + dir.string());
  // The resolved path (links followed) must stay inside the directory.
  auto rel = path.lexically_relative(dir);
  if (rel.empty() || *rel.begin() == "..") {
    return refuse(o.file, "resolves to " + path.string() + ", outside the plugin directory " + dir.string());
  }
  struct stat dst {};
  struct stat fst {};
  if (::stat(dir.c_str(), &dst) != 0 || ::stat(path.c_str(), &fst) != 0) {
    return refuse(o.file, "cannot stat it");
  }
  if (!S_ISREG(fst.st_mode)) return refuse(o.file, "not a regular file");
  if (Status s = check_mode("the plugin directory", dst, o.file); !s.ok()) return s;
  if (Status s = check_mode("the file", fst, o.file); !s.ok()) return s;
  std::vector<uid_t> owners = o.allowed_owners;
  if (owners.empty()) owners.push_back(::geteuid());
  owners.push_back(0);
  bool owner_ok = false;
  for (uid_t u : owners) owner_ok = owner_ok || fst.st_uid == u;
  if (!owner_ok) {
    return refuse(o.file, "owned by uid " + std::to_string(fst.st_uid) + ", not by root or the manager's user");
  }
  if (!o.sha256.empty()) {
    Result<std::string> actual = sha256_file(path.string());
    if (!actual.ok()) return actual.status();
    if (*actual != o.sha256) {
      return refuse(o.file, "SHA-256 is " + *actual + ", the configuration pins " + o.sha256);
    }
  }
  return path.string();
}

Result<std::shared_ptr<ProviderClient>> load_in_process(const LoadOptions& o) {
  Result<std::string> path = check_plugin_file(o);
  if (!path.ok()) return path.status();
  auto host = std::make_unique<HostServices>(o.file);
  std::shared_ptr<boost::dll::shared_library> lib;
  try {
    lib = std::make_shared<boost::dll::shared_library>(
        *path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    return refuse(o.file, std::string("not a loadable shared library: ") + e.what());
  }
  if (!lib->has(CORRAL_PLUGIN_ENTRY_NAME)) {
    return refuse(o.file, "not a Corral provider plugin (no " CORRAL_PLUGIN_ENTRY_NAME " entry)");
  }
  auto entry = boost::dll::import_alias<corral_status(const corral_host_v1*, const corral_plugin_v1**)>(
      *lib, CORRAL_PLUGIN_ENTRY_NAME);
  const corral_plugin_v1* table = nullptr;
  corral_status s = entry(host->table(), &table);
  if (s == CORRAL_ERR_ABI_VERSION) {
    return refuse(o.file, "the plugin refused this manager's ABI " + std::to_string(CORRAL_PLUGIN_ABI_MAJOR) + "." +
                              std::to_string(CORRAL_PLUGIN_ABI_MINOR) + " (built for a newer one?)");
  }
  if (s != CORRAL_OK || table == nullptr) {
    return refuse(o.file, "entry failed with status " + std::to_string(s));
  }
  // Nothing but the version fields is read before this check.
  if (table->abi_major != CORRAL_PLUGIN_ABI_MAJOR) {
    return refuse(o.file, "plugin ABI " + std::to_string(table->abi_major) + "." + std::to_string(table->abi_minor) +
                              ", this manager speaks " + std::to_string(CORRAL_PLUGIN_ABI_MAJOR) + ".x");
  }
  if (table->struct_size < sizeof(corral_plugin_v1)) {
    return refuse(o.file, "plugin table is " + std::to_string(table->struct_size) + " bytes, ABI 1.0 needs " +
                              std::to_string(sizeof(corral_plugin_v1)));
  }
  auto client = InProcessClient::start(std::move(lib), std::move(host), table, o.file);
  if (!client.ok()) return client.status();
  log::info("plugin.loaded", {{"file", o.file},
                              {"name", (*client)->description().name()},
                              {"version", (*client)->description().version()},
                              {"isolation", "in_process"}});
  return std::shared_ptr<ProviderClient>(std::move(client).value());
}

}  // namespace corral::manager::providers
