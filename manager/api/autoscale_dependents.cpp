#include "manager/api/autoscale_dependents.h"

namespace corral::manager::api {

namespace {
constexpr uint32_t kMaxNamed = 10;
}

Result<std::string> autoscale_configs_using(store::Repositories& repos, const store::AutoscaleConfigFilter& filter) {
  auto page = repos.autoscale_configs().list(filter, {"", kMaxNamed});
  if (!page.ok()) return page.status();
  if (page->records.empty()) return std::string();
  std::string out = page->records.size() == 1 ? "autoscale config " : "autoscale configs ";
  for (size_t i = 0; i < page->records.size(); ++i) out += (i > 0 ? ", " : "") + page->records[i].name;
  if (!page->next_after_id.empty()) out += " and more";
  return out;
}

}  // namespace corral::manager::api
