// Where corralctl's connection settings come from: for each one its flag, else its environment
// variable (CORRAL_SERVER, CORRAL_TOKEN, CORRAL_TOKEN_FILE, CORRAL_CA_CERT), else the config
// file; with no admin token anywhere, the user token `corralctl login` saved. run() calls
// resolve_settings() once the command line is parsed.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/result.h"

namespace corral::cli {

// The global flags as typed; unset ones fall back to the environment, then the config file.
struct GlobalFlags {
  std::optional<std::string> server;
  std::optional<std::string> token;
  std::optional<std::string> token_file;
  std::optional<std::string> ca_cert;
  std::optional<std::string> config;
  bool json = false;
};

// Reads one environment variable; injected so tests do not touch the process environment.
// An empty value counts as unset.
using Getenv = std::function<std::optional<std::string>(const std::string& name)>;
Getenv process_environment();

struct Settings {
  std::string server;  // https://HOST:PORT[/prefix], no trailing '/'; empty if not needed and unset
  std::string token;   // the admin token (or the saved user token), trimmed; empty if not needed
  std::string ca_pem;  // empty: the system trust store
};

struct Needs {
  bool server = true;
  bool token = true;
};

// $XDG_CONFIG_HOME/corral/corralctl.yaml, else $HOME/.config/corral/corralctl.yaml, else "".
std::string default_config_path(const Getenv& env);

// $XDG_CONFIG_HOME/corral/user.token, else $HOME/.config/corral/user.token, else "": where
// `corralctl login` keeps the signed-in user's token (mode 0600).
std::string user_token_path(const Getenv& env);

// Loads the config file (--config, which must exist, else the default, which may be absent),
// then resolves each setting. Reads the token and CA files. Errors name the setting and how to
// set it, or the file that was wrong; they never contain the token.
Result<Settings> resolve_settings(const GlobalFlags& flags, const Getenv& env, Needs needs);

}  // namespace corral::cli
