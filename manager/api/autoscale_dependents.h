// Names the autoscale configs that keep a pool or provider config from being deleted, for the
// 409 answers of DELETE /api/v1/pools/{id} and /api/v1/provider-configs/{id}.
#pragma once

#include <string>

#include "common/result.h"
#include "manager/store/store.h"

namespace corral::manager::api {

// "autoscale configs a, b" (at most ten names, then "and more"), or "" when none match `filter`.
Result<std::string> autoscale_configs_using(store::Repositories& repos, const store::AutoscaleConfigFilter& filter);

}  // namespace corral::manager::api
