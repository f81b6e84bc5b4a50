#include "cli/agent_pager.h"

#include <set>

namespace corral::cli {
namespace {

// The manager's largest page; above it pageSize is left to the manager's default.
constexpr uint64_t kMaxPageSize = 1000;

uint32_t page_size_for(uint32_t wanted, uint64_t remaining) {
  if (remaining == 0) return wanted;  // no limit
  if (wanted != 0 && wanted <= remaining) return wanted;
  if (remaining <= kMaxPageSize) return static_cast<uint32_t>(remaining);
  return wanted;
}

}  // namespace

Status for_each_agent_page(ApiClient& api, AgentQuery query, uint64_t limit, const AgentPageHandler& on_page) {
  const uint32_t page_size = query.page_size;
  uint64_t handed_over = 0;
  std::set<std::string> tokens_seen;
  for (;;) {
    query.page_size = page_size_for(page_size, limit ? limit - handed_over : 0);
    auto page = api.list_agents(query);
    if (!page.ok()) return page.status();
    auto* agents = page->message.mutable_agents();
    if (limit && static_cast<uint64_t>(agents->size()) > limit - handed_over) {
      agents->DeleteSubrange(static_cast<int>(limit - handed_over),
                             agents->size() - static_cast<int>(limit - handed_over));
    }
    handed_over += static_cast<uint64_t>(agents->size());
    if (Status st = on_page(*page); !st.ok()) return st;

    const std::string& next = page->message.next_page_token();
    if (next.empty() || (limit && handed_over >= limit)) return {};
    if (!tokens_seen.insert(next).second) {
      return error(ErrorCode::internal, "the manager sent the same page token twice; stopped after " +
                                            std::to_string(handed_over) + " agents");
    }
    query.page_token = next;
  }
}

}  // namespace corral::cli
