// Loads a provider plugin into the manager's process (Boost.DLL), enforcing the loading rules of
// docs/plugin-abi.md before any of its code runs, and checking its ABI before any call but the
// entry. What it returns keeps the library loaded: every client of a plugin holds it.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "manager/providers/provider_client.h"

namespace corral::manager::providers {

struct LoadOptions {
  std::string plugin_dir;  // plugins load only from here
  std::string file;        // relative to plugin_dir
  std::string sha256;      // optional pin, lowercase hex
  // Owners allowed besides root; empty means the manager's own user.
  std::vector<uid_t> allowed_owners;
};

// Checks the file without loading it: inside plugin_dir (after resolving links), a regular file,
// neither it nor the directory group- or world-writable, owned by root or an allowed user, and
// matching the pinned hash. Returns the resolved path.
Result<std::string> check_plugin_file(const LoadOptions& options);

// check_plugin_file, then load, call the entry, check the ABI, call Describe once.
Result<std::shared_ptr<ProviderClient>> load_in_process(const LoadOptions& options);

// Lowercase hex SHA-256 of a file.
Result<std::string> sha256_file(const std::string& path);

}  // namespace corral::manager::providers
