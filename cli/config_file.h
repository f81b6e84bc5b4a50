// corralctl's YAML config file (keys server, token_file, token, ca_cert): the lowest-priority
// source of settings. resolve_settings() loads it; parse_config() is pure so tests feed it text.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"

namespace corral::cli {

struct ConfigFile {
  std::string path;  // where it came from, for messages
  std::optional<std::string> server;
  std::optional<std::string> token;
  // Made absolute against the file's directory, so the file works from any working directory.
  std::optional<std::string> token_file;
  std::optional<std::string> ca_cert;
};

// TEXT is the file's content; PATH names it in errors and anchors relative paths. An unknown
// or repeated key, or a value that is not a plain string, is an error naming the key and PATH.
Result<ConfigFile> parse_config(const std::string& text, const std::string& path);

}  // namespace corral::cli
