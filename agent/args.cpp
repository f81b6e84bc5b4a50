#include "agent/args.h"

#include <charconv>
#include <limits>

#include "common/text.h"

namespace corral::agent {
namespace {

constexpr char kUsage[] =
    "usage: corral-agent --data-dir DIR [--manager https://HOST:PORT] [--join-token TOKEN | --join-token-file FILE]\n"
    "                    [--ca-cert FILE] [--config FILE] [--max-sessions N] [--label KEY=VALUE]...\n"
    "                    [--hostname NAME] [--log-level debug|info|warn|error]\n"
    "       corral-agent --version | --help\n"
    "\n"
    "The first start enrolls with the manager and needs --manager and a join token; later starts\n"
    "need only --data-dir. Prefer CORRAL_JOIN_TOKEN or --join-token-file to --join-token, which\n"
    "other users can read in the process list. A flag given with the environment variable wins.\n"
    "--ca-cert is needed only when the join token carries no CA hash.\n"
    "--max-sessions defaults to the config file's max_sessions, else 1.\n";

Result<uint32_t> parse_uint32(const std::string& flag, const std::string& text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      value > std::numeric_limits<uint32_t>::max()) {
    return error(ErrorCode::invalid_argument, flag + " expects a non-negative integer, got '" + text + "'");
  }
  return static_cast<uint32_t>(value);
}

}  // namespace

const char* usage_text() { return kUsage; }

Result<std::pair<std::string, std::string>> parse_label(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return error(ErrorCode::invalid_argument, "--label expects KEY=VALUE, got '" + std::string(text) + "'");
  }
  return std::pair{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

Result<AgentArgs> parse_args(const std::vector<std::string>& args) {
  AgentArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inline_value;
    if (flag.starts_with("--")) {
      if (size_t eq = flag.find('='); eq != std::string::npos) {
        inline_value = flag.substr(eq + 1);
        flag.resize(eq);
      }
    }
    // The value is never part of the message: it may be the join token.
    auto value = [&]() -> Result<std::string> {
      if (inline_value) return *inline_value;
      if (i + 1 >= args.size()) return error(ErrorCode::invalid_argument, flag + " needs a value");
      return args[++i];
    };
    auto store = [&](std::optional<std::string>* field) -> Status {
      if (field->has_value()) return error(ErrorCode::invalid_argument, flag + " given twice");
      auto v = value();
      if (!v.ok()) return v.status();
      *field = std::move(v).value();
      return {};
    };

    Status s;
    if (flag == "--help" || flag == "-h") {
      out.help = true;
    } else if (flag == "--version") {
      out.version = true;
    } else if (flag == "--data-dir") {
      std::optional<std::string> dir;
      s = store(&dir);
      if (s.ok() && dir->empty()) s = error(ErrorCode::invalid_argument, "--data-dir must not be empty");
      if (s.ok()) out.data_dir = *dir;
    } else if (flag == "--manager") {
      s = store(&out.manager_url);
    } else if (flag == "--join-token") {
      s = store(&out.join_token);
    } else if (flag == "--join-token-file") {
      s = store(&out.join_token_file);
    } else if (flag == "--ca-cert") {
      s = store(&out.ca_cert_file);
    } else if (flag == "--config") {
      s = store(&out.config_file);
    } else if (flag == "--hostname") {
      s = store(&out.hostname);
      if (s.ok() && out.hostname->empty()) s = error(ErrorCode::invalid_argument, "--hostname must not be empty");
      if (s.ok()) s = check_printable(*out.hostname, "--hostname", kMaxHostnameBytes);
    } else if (flag == "--log-level") {
      s = store(&out.log_level);
    } else if (flag == "--max-sessions") {
      auto v = value();
      if (!v.ok()) return v.status();
      auto n = parse_uint32(flag, *v);
      if (!n.ok()) return n.status();
      out.max_sessions = *n;
    } else if (flag == "--label") {
      auto v = value();
      if (!v.ok()) return v.status();
      auto label = parse_label(*v);
      if (!label.ok()) return label.status();
      out.labels.push_back(std::move(label).value());
    } else {
      return error(ErrorCode::invalid_argument, "unknown argument '" + flag + "'");
    }
    if (!s.ok()) return s;
  }
  if (out.help || out.version) return out;
  if (out.data_dir.empty()) return error(ErrorCode::invalid_argument, "--data-dir is required");
  if (out.join_token && out.join_token_file) {
    return error(ErrorCode::invalid_argument, "give the join token once: --join-token or --join-token-file");
  }
  return out;
}

}  // namespace corral::agent
