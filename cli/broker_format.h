// corralctl's human output for pools, servers, workspaces and sessions (everything but --json),
// from the manager's JSON answers. The commands call these; tests fix NOW.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

#include "cli/table.h"

namespace corral::cli {

using TimePoint = std::chrono::system_clock::time_point;

Row pool_table_header();
Row pool_row(const nlohmann::json& pool);
std::string format_pool(const nlohmann::json& pool, TimePoint now);

Row server_table_header();
Row server_row(const nlohmann::json& server);
std::string format_server(const nlohmann::json& server, TimePoint now);

Row workspace_table_header();
Row workspace_row(const nlohmann::json& workspace);
std::string format_workspace(const nlohmann::json& workspace, TimePoint now);

Row session_table_header();
Row session_row(const nlohmann::json& session, TimePoint now);
std::string format_session(const nlohmann::json& session, TimePoint now);
// The answer to POST /api/v1/sessions: the session, and where the user connects.
std::string format_created_session(const nlohmann::json& created);

// "HOST:PORT" ("[V6]:PORT" for an IPv6 address); PORT 0 is the connection type's default.
std::string host_port(const std::string& address, uint64_t port, const std::string& connection_type);

}  // namespace corral::cli
