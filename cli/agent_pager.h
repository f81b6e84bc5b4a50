// Follows GET /api/v1/agents from page to page for `agents list`. Each page is handed over as
// it arrives, so the first rows are printed while the next page is still on its way.
#pragma once

#include <cstdint>
#include <functional>

#include "cli/api_client.h"
#include "common/result.h"

namespace corral::cli {

// A page whose `message` holds only the agents still wanted under the limit; `json` is the
// page as the manager sent it (all its agents).
using AgentPageHandler = std::function<Status(const Reply<api::v1::ListAgentsResponse>& page)>;

// Calls ON_PAGE for each page until next_page_token is empty or LIMIT agents were handed over
// (0: no limit); with a limit, no page asks for more agents than are still wanted. A manager
// without paging answers with every agent and no token: one page. A page token seen twice is an
// error rather than an endless loop.
Status for_each_agent_page(ApiClient& api, AgentQuery query, uint64_t limit, const AgentPageHandler& on_page);

}  // namespace corral::cli
