#include "cli/settings.h"

#include <cstdlib>

#include "cli/config_file.h"
#include "common/files.h"
#include "common/text.h"

namespace corral::cli {
namespace {

// A setting's value with where it came from, so an error can say which source was wrong.
struct Sourced {
  std::string value;
  std::string source;  // "--server", "CORRAL_SERVER", "'server' in FILE"
};

Status settings_error(std::string message) { return error(ErrorCode::invalid_argument, std::move(message)); }

std::optional<Sourced> pick(const std::optional<std::string>& flag, const char* flag_name, const Getenv& env,
                            const char* env_name, const std::optional<std::string>& file_value, const char* file_key,
                            const std::string& file_path) {
  if (flag) return Sourced{*flag, flag_name};
  if (auto v = env(env_name)) return Sourced{*v, env_name};
  if (file_value) return Sourced{*file_value, std::string("'") + file_key + "' in " + file_path};
  return std::nullopt;
}

Result<ConfigFile> load_config(const GlobalFlags& flags, const Getenv& env) {
  std::string path = flags.config ? *flags.config : default_config_path(env);
  if (path.empty() || (!flags.config && !file_exists(path))) return ConfigFile{path, {}, {}, {}, {}};
  auto text = read_file(path);
  if (!text.ok()) return settings_error("cannot read the config file: " + text.status().message());
  return parse_config(*text, path);
}

Result<std::string> resolve_server(const Sourced& server) {
  std::string url = server.value;
  while (!url.empty() && url.back() == '/') url.pop_back();
  // The admin token travels with every request; it must not cross the network in clear text.
  if (!url.starts_with("https://") || url.size() == std::string("https://").size()) {
    return settings_error("the server URL from " + server.source + " must look like https://HOST:PORT, got '" +
                          server.value + "'");
  }
  return url;
}

Result<std::string> resolve_token(const GlobalFlags& flags, const Getenv& env, const ConfigFile& config,
                                  const std::string& user_token_file) {
  // The token and the token file are one setting with two spellings: the first source that
  // has either wins, so CORRAL_TOKEN_FILE is not overridden by a token in the config file.
  std::optional<Sourced> token;
  std::optional<Sourced> file;
  if (flags.token || flags.token_file) {
    if (flags.token) token = Sourced{*flags.token, "--token"};
    if (flags.token_file) file = Sourced{*flags.token_file, "--token-file"};
  } else if (env("CORRAL_TOKEN") || env("CORRAL_TOKEN_FILE")) {
    if (auto v = env("CORRAL_TOKEN")) token = Sourced{*v, "CORRAL_TOKEN"};
    if (auto v = env("CORRAL_TOKEN_FILE")) file = Sourced{*v, "CORRAL_TOKEN_FILE"};
  } else {
    if (config.token) token = Sourced{*config.token, "'token' in " + config.path};
    if (config.token_file) file = Sourced{*config.token_file, "'token_file' in " + config.path};
  }
  if (token && file) {
    return settings_error("both " + token->source + " and " + file->source + " are set; keep only one");
  }
  if (!token && !file && !user_token_file.empty() && file_exists(user_token_file)) {
    file = Sourced{user_token_file, "corralctl login"};
  }
  if (!token && !file) {
    std::string where = config.path.empty() ? std::string("the config file") : config.path;
    return settings_error(
        "no admin token set: pass --token-file FILE, set CORRAL_TOKEN_FILE (or CORRAL_TOKEN), "
        "or add 'token_file: FILE' to " +
        where + "; a directory user signs in with corralctl login");
  }
  std::string value;
  std::string source;
  if (file) {
    auto text = read_file(file->value);
    if (!text.ok())
      return settings_error("cannot read the token file from " + file->source + ": " + text.status().message());
    // Tokens come from files written by hand or by tools; surrounding whitespace is not part of it.
    value = trim_whitespace(*text);
    source = "the token file " + file->value;
  } else {
    value = trim_whitespace(token->value);
    source = token->source;
  }
  if (value.empty()) return settings_error("the admin token from " + source + " is empty");
  // A line break inside would end the Authorization header and start another one.
  if (value.find_first_of(" \t\r\n") != std::string::npos) {
    return settings_error("the admin token from " + source + " contains whitespace");
  }
  return value;
}

}  // namespace

Getenv process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v || !*v) return std::nullopt;
    return std::string(v);
  };
}

std::string user_token_path(const Getenv& env) {
  if (auto xdg = env("XDG_CONFIG_HOME")) return *xdg + "/corral/user.token";
  if (auto home = env("HOME")) return *home + "/.config/corral/user.token";
  return "";
}

std::string default_config_path(const Getenv& env) {
  if (auto xdg = env("XDG_CONFIG_HOME")) return *xdg + "/corral/corralctl.yaml";
  if (auto home = env("HOME")) return *home + "/.config/corral/corralctl.yaml";
  return "";
}

Result<Settings> resolve_settings(const GlobalFlags& flags, const Getenv& env, Needs needs) {
  auto config = load_config(flags, env);
  if (!config.ok()) return config.status();
  const std::string where = config->path.empty() ? std::string("the config file") : config->path;
  Settings settings;

  auto server = pick(flags.server, "--server", env, "CORRAL_SERVER", config->server, "server", config->path);
  if (server) {
    auto url = resolve_server(*server);
    if (!url.ok()) return url.status();
    settings.server = *url;
  } else if (needs.server) {
    return settings_error(
        "no server set: pass --server https://HOST:PORT, set CORRAL_SERVER, or add 'server: "
        "https://HOST:PORT' to " +
        where);
  }

  if (needs.token) {
    auto token = resolve_token(flags, env, *config, user_token_path(env));
    if (!token.ok()) return token.status();
    settings.token = std::move(*token);
  }

  if (!settings.server.empty()) {
    auto ca = pick(flags.ca_cert, "--ca-cert", env, "CORRAL_CA_CERT", config->ca_cert, "ca_cert", config->path);
    if (ca) {
      auto pem = read_file(ca->value);
      if (!pem.ok())
        return settings_error("cannot read the CA certificate from " + ca->source + ": " + pem.status().message());
      if (pem->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
        return settings_error("the CA certificate from " + ca->source + " (" + ca->value + ") is not PEM");
      }
      settings.ca_pem = std::move(*pem);
    }
  }
  return settings;
}

}  // namespace corral::cli
