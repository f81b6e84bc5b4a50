// corralctl's human output for agents and tokens (everything but --json). The commands call
// these with the decoded API answer and the current time, which tests fix.
#pragma once

#include <chrono>
#include <string>

#include "cli/table.h"
#include "corral/agent/v1/agent.pb.h"
#include "corral/api/v1/api.pb.h"

namespace corral::cli {

// "online", "missing", "offline", "revoked"; "unknown" for anything else.
std::string agent_status_name(api::v1::AgentStatus status);
// "linux", "windows"; "" when unspecified.
std::string os_family_name(agent::v1::OsFamily family);
// "ACTIVE/MAX" from the capacity report: every reported session holds a slot, whatever its
// state. "-" when the agent has not reported capacity yet.
std::string sessions_column(const api::v1::Agent& agent);

// Columns ID, HOSTNAME, STATUS, OS, VERSION, SESSIONS, LAST SEEN, in the manager's order.
std::string format_agent_table(const api::v1::ListAgentsResponse& list, std::chrono::system_clock::time_point now);
// The same table's header and one agent's row, for a table printed page by page.
Row agent_table_header();
Row agent_row(const api::v1::Agent& agent, std::chrono::system_clock::time_point now);
// "key: value" lines (labels, addresses, capacity...), then the agent's sessions if any.
std::string format_agent_details(const api::v1::Agent& agent, std::chrono::system_clock::time_point now);
// The secret token first, then its id, expiry and what it binds.
std::string format_join_token(const api::v1::JoinToken& token, std::chrono::system_clock::time_point now);
// The secret token first (when present), then id, name and creation time.
std::string format_admin_token(const api::v1::AdminToken& token, std::chrono::system_clock::time_point now);
// Columns ID, NAME, CREATED.
std::string format_admin_token_table(const api::v1::ListAdminTokensResponse& list,
                                     std::chrono::system_clock::time_point now);

}  // namespace corral::cli
