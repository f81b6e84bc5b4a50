#include "plugins/aws/credential_sources.h"

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "plugins/aws/ini_file.h"

namespace corral::aws {
namespace {

// Far beyond any credentials file; a larger one is refused rather than read into memory.
constexpr std::streamoff kMaxFileBytes = 1 << 20;

struct FileText {
  bool exists = false;
  std::string text;
};

Outcome<FileText> read_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return FileText{};  // no file: as the official SDKs, nothing to read
  std::ifstream in(path, std::ios::binary);
  // One that exists but cannot be read (permissions, the plugin sandbox) is reported: skipping
  // it would fall through to another identity.
  if (!in) return auth_error(path + ": exists but cannot be read by the plugin");
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size > kMaxFileBytes) return auth_error(path + ": larger than 1 MiB, not an AWS credentials file");
  in.seekg(0);
  std::ostringstream text;
  text << in.rdbuf();
  return FileText{true, text.str()};
}

std::string env_or(const EnvLookup& env, const std::string& name, const std::string& fallback) {
  auto v = env(name);
  return v ? *v : fallback;
}

// Keys of one profile section; nullopt when the section has none of them.
MaybeCredentials keys_of(const IniSection& section, const std::string& where) {
  auto get = [&](const char* key) -> std::string {
    auto it = section.find(key);
    return it == section.end() ? std::string() : it->second;
  };
  Credentials c;
  c.access_key_id = get("aws_access_key_id");
  c.secret_access_key = get("aws_secret_access_key");
  c.session_token = get("aws_session_token");
  if (c.access_key_id.empty() && c.secret_access_key.empty()) return std::optional<Credentials>();
  if (c.access_key_id.empty()) return auth_error(where + " has aws_secret_access_key but no aws_access_key_id");
  if (c.secret_access_key.empty()) return auth_error(where + " has aws_access_key_id but no aws_secret_access_key");
  c.source = where;
  return std::optional<Credentials>(std::move(c));
}

}  // namespace

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): nothing here sets the environment
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
}

MaybeCredentials static_credentials(const std::string& access_key_id, const std::string& secret_access_key,
                                    const std::string& session_token) {
  if (access_key_id.empty() && secret_access_key.empty()) {
    if (!session_token.empty())
      return config_error("session_token needs access_key_id and secret_access_key", "/session_token");
    return std::optional<Credentials>();
  }
  if (access_key_id.empty()) return config_error("secret_access_key is set but access_key_id is not", "/access_key_id");
  if (secret_access_key.empty()) {
    return config_error("access_key_id is set but secret_access_key is not", "/secret_access_key");
  }
  return std::optional<Credentials>(Credentials{access_key_id, secret_access_key, session_token, 0, "config"});
}

MaybeCredentials environment_credentials(const EnvLookup& env) {
  auto id = env("AWS_ACCESS_KEY_ID");
  auto secret = env("AWS_SECRET_ACCESS_KEY");
  if (!id && !secret) return std::optional<Credentials>();
  if (!id) return auth_error("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
  if (!secret) return auth_error("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
  return std::optional<Credentials>(Credentials{*id, *secret, env_or(env, "AWS_SESSION_TOKEN", ""), 0, "environment"});
}

MaybeCredentials profile_credentials(const std::string& profile, const EnvLookup& env) {
  const bool named = !profile.empty() || env("AWS_PROFILE").has_value();
  const std::string name = !profile.empty() ? profile : env_or(env, "AWS_PROFILE", "default");
  const std::string home = env_or(env, "HOME", "");
  const std::string credentials_path =
      env_or(env, "AWS_SHARED_CREDENTIALS_FILE", home.empty() ? "" : home + "/.aws/credentials");
  const std::string config_path = env_or(env, "AWS_CONFIG_FILE", home.empty() ? "" : home + "/.aws/config");

  bool seen = false;
  // The credentials file names sections after the profile; the config file prefixes "profile "
  // to every profile but the default.
  const std::pair<std::string, std::string> files[] = {
      {credentials_path, name},
      {config_path, name == "default" ? name : "profile " + name},
  };
  for (const auto& [path, section_name] : files) {
    if (path.empty()) continue;
    auto file = read_file(path);
    if (!file.ok()) return file.error();
    if (!file.value().exists) continue;
    auto ini = parse_ini(file.value().text);
    if (!ini.ok()) return auth_error(path + ": " + ini.error().message);
    auto section = ini.value().find(section_name);
    if (section == ini.value().end()) continue;
    seen = true;
    auto keys = keys_of(section->second, "profile " + name + " in " + path);
    if (!keys.ok() || keys.value().has_value()) return keys;
  }
  if (named && !seen) {
    std::string msg = "profile '" + name + "' is in neither " + credentials_path + " nor " + config_path;
    return profile.empty() ? auth_error(msg + " (from AWS_PROFILE)") : config_error(msg, "/profile");
  }
  return std::optional<Credentials>();
}

std::optional<int64_t> parse_aws_time(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fff]Z
  if (text.size() < 20 || text.back() != 'Z') return std::nullopt;
  auto num = [&](size_t at, size_t len) -> int {
    int v = 0;
    for (size_t i = at; i < at + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  if (text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(5, 2) - 1;
  tm.tm_mday = num(8, 2);
  tm.tm_hour = num(11, 2);
  tm.tm_min = num(14, 2);
  tm.tm_sec = num(17, 2);
  if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour < 0 ||
      tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60) {
    return std::nullopt;
  }
  std::string_view rest = text.substr(19, text.size() - 20);
  if (!rest.empty()) {
    if (rest.front() != '.' || rest.size() < 2) return std::nullopt;
    for (char c : rest.substr(1)) {
      if (c < '0' || c > '9') return std::nullopt;
    }
  }
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

}  // namespace corral::aws
