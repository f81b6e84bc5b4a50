// The flags of the pools, servers, workspaces and sessions commands turned into what the manager
// is sent: value parsers (memory sizes, cores, an RD gateway) that CLI11 validators wrap, and
// the request bodies in the protobuf JSON mapping of proto/corral/broker/v1/broker.proto.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace corral::cli {

// "2147483648", "512MiB", "2GiB", "1.5GiB": bytes, or a number with B, KiB, MiB, GiB or TiB
// that comes to whole bytes. Decimal units (GB) are refused rather than guessed.
Result<uint64_t> parse_memory(std::string_view text);
// "2", "1.5", "0.25" cores or "250m" thousandths, as thousandths of a core.
Result<uint32_t> parse_cores(std::string_view text);

struct RdGateway {
  std::string hostname;
  uint32_t port = 0;  // 0: the gateway's default, 443
};
// HOST, HOST:PORT, [IPV6] or [IPV6]:PORT.
Result<RdGateway> parse_rd_gateway(std::string_view text);

// A CLI11 check that runs PARSE on the value and shows its error.
template <typename T>
CLI::Validator parsed_by(Result<T> (*parse)(std::string_view)) {
  return CLI::Validator(
      [parse](std::string& text) -> std::string {
        auto parsed = parse(text);
        return parsed.ok() ? "" : parsed.status().message();
      },
      "");
}

struct PoolFlags {
  std::string name;
  std::string type;  // server, docker-agent
  std::vector<std::string> labels;
  bool server_assignment = false;
  std::string rd_gateway;  // HOST[:PORT]; empty: none
};
nlohmann::json pool_body(const PoolFlags& flags);

struct ServerFlags {
  std::string pool;  // id or name, resolved before the body is built
  std::string hostname;
  std::string address;
  std::string connection;  // rdp, ssh, vnc; empty: the manager's default (rdp)
  uint32_t port = 0;       // 0: the connection type's default
  std::string username;
  bool password_stdin = false;
  std::optional<uint32_t> max_sessions;
  std::vector<std::string> labels;
  bool disabled = false;
  std::string agent;
  std::string assign_user;
};
// PASSWORD is what --password-stdin read; nullopt sends none.
nlohmann::json server_body(const ServerFlags& flags, const std::string& pool_id,
                           const std::optional<std::string>& password);

struct WorkspaceFlags {
  std::string name;
  std::string pool;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  std::vector<std::string> allowed_groups;  // directory group DNs or names
  std::string cores;                        // parse_cores; empty: not given
  std::string memory;                       // parse_memory; empty: not given
  std::optional<uint32_t> gpus;
  bool disabled = false;
};
nlohmann::json workspace_body(const WorkspaceFlags& flags, const std::string& pool_id);

nlohmann::json session_body(const std::string& workspace, const std::string& user);

// The password for --password-stdin: all of IN up to end of file, without one final line
// break (echo and here-strings add it). Empty is an error: "" would remove a stored password.
Result<std::string> read_password(std::istream* in);

// "rdp" -> "CONNECTION_TYPE_RDP", "docker-agent" -> "POOL_TYPE_DOCKER_AGENT".
std::string enum_name(const std::string& prefix, const std::string& value);
// The reverse, lower case with '-': "POOL_TYPE_DOCKER_AGENT" -> "docker-agent"; "-" when empty.
std::string short_name(const std::string& prefix, const std::string& value);

}  // namespace corral::cli
