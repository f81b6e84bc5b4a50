#include "cli/broker_flags.h"

#include <cctype>
#include <charconv>
#include <limits>
#include <sstream>

namespace corral::cli {
namespace {

using nlohmann::json;

Status bad(std::string message) { return error(ErrorCode::invalid_argument, std::move(message)); }

struct Decimal {
  uint64_t whole = 0;
  uint64_t fraction = 0;  // the digits after the point as a number
  uint64_t scale = 1;     // 10^(number of those digits)
  std::string_view rest;  // what follows the number
};

// Digits, optionally "." and digits; at most 9 fraction digits.
std::optional<Decimal> leading_decimal(std::string_view text) {
  Decimal d;
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + i, d.whole);
  if (ec != std::errc()) return std::nullopt;
  if (i < text.size() && text[i] == '.') {
    size_t start = ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start || i - start > 9) return std::nullopt;
    for (size_t k = start; k < i; ++k) {
      d.fraction = d.fraction * 10 + static_cast<uint64_t>(text[k] - '0');
      d.scale *= 10;
    }
  }
  d.rest = text.substr(i);
  return d;
}

// D * UNIT when it is a whole number that fits.
std::optional<uint64_t> scaled(const Decimal& d, uint64_t unit) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  if (d.whole > kMax / unit) return std::nullopt;
  uint64_t whole = d.whole * unit;
  if (d.fraction != 0 && unit > kMax / d.fraction) return std::nullopt;
  uint64_t part = d.fraction * unit;
  if (part % d.scale != 0) return std::nullopt;
  part /= d.scale;
  if (whole > kMax - part) return std::nullopt;
  return whole + part;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string upper(std::string s) {
  for (auto& c : s) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<uint64_t> parse_memory(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  auto d = leading_decimal(text);
  if (!d) return bad(quoted + " is not a size: use bytes or a number with KiB, MiB, GiB or TiB (2GiB)");
  static const std::pair<std::string_view, uint64_t> kUnits[] = {
      {"", 1}, {"B", 1}, {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"TiB", 1ull << 40}};
  for (const auto& [name, unit] : kUnits) {
    if (d->rest != name) continue;
    auto bytes = scaled(*d, unit);
    if (!bytes) return bad(quoted + " is not a whole number of bytes that fits in 64 bits");
    return *bytes;
  }
  return bad(quoted + " has an unknown unit '" + std::string(d->rest) + "': use B, KiB, MiB, GiB or TiB");
}

Result<uint32_t> parse_cores(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  auto d = leading_decimal(text);
  if (!d || (!d->rest.empty() && d->rest != "m") || (d->rest == "m" && d->scale != 1)) {
    return bad(quoted + " is not a number of cores: use 2, 1.5 or 250m (thousandths)");
  }
  auto milli = scaled(*d, d->rest == "m" ? 1 : 1000);
  if (!milli) return bad(quoted + " is finer than a thousandth of a core");
  if (*milli > std::numeric_limits<uint32_t>::max()) return bad(quoted + " is too many cores");
  return static_cast<uint32_t>(*milli);
}

Result<RdGateway> parse_rd_gateway(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  RdGateway gateway;
  std::string_view port;
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return bad(quoted + " opens '[' without closing it");
    gateway.hostname = std::string(text.substr(1, close - 1));
    std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad(quoted + " has text after ']' that is not :PORT");
      port = after.substr(1);
      if (port.empty()) return bad(quoted + " has an empty port");
    }
  } else {
    size_t colon = text.rfind(':');
    if (colon != std::string_view::npos && text.find(':') != colon) {
      return bad(quoted + " looks like an IPv6 address: write it as [ADDRESS] or [ADDRESS]:PORT");
    }
    gateway.hostname = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = text.substr(colon + 1);
      if (port.empty()) return bad(quoted + " has an empty port");
    }
  }
  if (gateway.hostname.empty()) return bad(quoted + " has no host name");
  for (char c : gateway.hostname) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '/' || c == '@') {
      return bad(quoted + " is not HOST[:PORT] (the host has a space, '/' or '@')");
    }
  }
  if (!port.empty()) {
    uint32_t value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535 ||
        !std::isdigit(static_cast<unsigned char>(port[0]))) {
      return bad(quoted + " has port '" + std::string(port) + "': it must be 1-65535");
    }
    gateway.port = value;
  }
  return gateway;
}

std::string enum_name(const std::string& prefix, const std::string& value) { return prefix + upper(value); }

std::string short_name(const std::string& prefix, const std::string& value) {
  if (value.empty()) return "-";
  std::string rest = value.starts_with(prefix) ? value.substr(prefix.size()) : value;
  std::string out = lower(rest);
  for (auto& c : out) c = c == '_' ? '-' : c;
  return out;
}

json pool_body(const PoolFlags& flags) {
  json body = {{"name", flags.name}, {"type", enum_name("POOL_TYPE_", flags.type)}};
  if (!flags.labels.empty()) body["labels"] = flags.labels;
  if (flags.server_assignment) body["serverAssignment"] = true;
  if (!flags.rd_gateway.empty()) {
    auto gateway = parse_rd_gateway(flags.rd_gateway);  // checked by the flag's validator already
    if (gateway.ok()) {
      body["rdGateway"] = {{"hostname", gateway->hostname}};
      if (gateway->port) body["rdGateway"]["port"] = gateway->port;
    }
  }
  return body;
}

json server_body(const ServerFlags& flags, const std::string& pool_id, const std::optional<std::string>& password) {
  json body = {{"poolId", pool_id}, {"hostname", flags.hostname}, {"address", flags.address}};
  if (!flags.connection.empty()) body["connectionType"] = enum_name("CONNECTION_TYPE_", flags.connection);
  if (flags.port) body["connectionPort"] = flags.port;
  if (!flags.username.empty()) body["connectionUsername"] = flags.username;
  if (password) body["connectionPassword"] = *password;
  if (flags.max_sessions) body["maxSimultaneousSessionsPerServer"] = *flags.max_sessions;
  if (!flags.labels.empty()) body["labels"] = flags.labels;
  // Sent either way: what the admin gets does not depend on the manager's default.
  body["enabled"] = !flags.disabled;
  if (!flags.agent.empty()) body["agentId"] = flags.agent;
  if (!flags.assign_user.empty()) body["assignedUsers"] = json::array({flags.assign_user});
  return body;
}

json workspace_body(const WorkspaceFlags& flags, const std::string& pool_id) {
  json body = {{"name", flags.name}, {"poolId", pool_id}};
  if (!flags.include.empty()) body["includeLabels"] = flags.include;
  if (!flags.exclude.empty()) body["excludeLabels"] = flags.exclude;
  if (!flags.allowed_groups.empty()) body["allowedGroups"] = flags.allowed_groups;
  body["enabled"] = !flags.disabled;
  json resources = json::object();
  if (!flags.cores.empty()) {
    if (auto milli = parse_cores(flags.cores); milli.ok()) resources["coresMilli"] = *milli;
  }
  if (!flags.memory.empty()) {
    // uint64 is a string in the protobuf JSON mapping.
    if (auto bytes = parse_memory(flags.memory); bytes.ok()) resources["memoryBytes"] = std::to_string(*bytes);
  }
  if (flags.gpus) resources["gpus"] = *flags.gpus;
  if (!resources.empty()) body["sessionResources"] = resources;
  return body;
}

json session_body(const std::string& workspace, const std::string& user) {
  json body = {{"workspace", workspace}};
  // Left out for a signed-in user, whose sessions are their own; the manager wants it from an admin.
  if (!user.empty()) body["user"] = user;
  return body;
}

Result<std::string> read_password(std::istream* in) {
  std::ostringstream data;
  if (in && in->good()) data << in->rdbuf();
  std::string password = data.str();
  if (password.ends_with("\r\n")) {
    password.resize(password.size() - 2);
  } else if (password.ends_with('\n')) {
    password.pop_back();
  }
  if (password.empty()) {
    return bad("--password-stdin: standard input was empty (pipe the password in: printf %s \"$PW\" | corralctl ...)");
  }
  return password;
}

}  // namespace corral::cli
