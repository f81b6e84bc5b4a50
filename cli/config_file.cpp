#include "cli/config_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <set>

namespace corral::cli {
namespace {

using Slot = std::optional<std::string> ConfigFile::*;
const std::pair<const char*, Slot> kKeys[] = {
    {"server", &ConfigFile::server},
    {"token", &ConfigFile::token},
    {"token_file", &ConfigFile::token_file},
    {"ca_cert", &ConfigFile::ca_cert},
};

Status config_error(const std::string& path, const std::string& what) {
  return error(ErrorCode::invalid_argument, path + ": " + what);
}

std::string anchored(const std::string& value, const std::string& config_path) {
  std::filesystem::path p(value);
  if (p.is_absolute()) return value;
  return (std::filesystem::path(config_path).parent_path() / p).lexically_normal().string();
}

}  // namespace

Result<ConfigFile> parse_config(const std::string& text, const std::string& path) {
  ConfigFile config;
  config.path = path;
  // yaml-cpp reports every problem by throwing; nothing of it may escape corralctl.
  try {
    YAML::Node root = YAML::Load(text);
    if (root.IsNull()) return config;  // an empty file sets nothing
    if (!root.IsMap()) return config_error(path, "expected a mapping of settings (key: value lines)");
    std::set<std::string> seen;
    for (const auto& entry : root) {
      if (!entry.first.IsScalar()) return config_error(path, "a key is not a plain string");
      const std::string key = entry.first.as<std::string>();
      auto known = std::find_if(std::begin(kKeys), std::end(kKeys), [&](const auto& k) { return key == k.first; });
      if (known == std::end(kKeys)) {
        return config_error(path, "unknown key '" + key + "' (known: server, token_file, token, ca_cert)");
      }
      if (!seen.insert(key).second) return config_error(path, "key '" + key + "' appears twice");
      const YAML::Node& value = entry.second;
      if (value.IsNull()) return config_error(path, "key '" + key + "' has no value");
      if (!value.IsScalar()) return config_error(path, "key '" + key + "' must be a plain string");
      std::string text_value = value.as<std::string>();
      if (text_value.empty()) return config_error(path, "key '" + key + "' has an empty value");
      config.*(known->second) = std::move(text_value);
    }
  } catch (const YAML::Exception& e) {
    return config_error(path, std::string("not valid YAML: ") + e.what());
  } catch (const std::exception& e) {
    return config_error(path, std::string("cannot read settings: ") + e.what());
  }
  if (config.token_file) config.token_file = anchored(*config.token_file, path);
  if (config.ca_cert) config.ca_cert = anchored(*config.ca_cert, path);
  return config;
}

}  // namespace corral::cli
