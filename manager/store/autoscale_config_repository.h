// Autoscale configs: which provider config keeps which pool at its free capacity, and how. The
// REST API creates and edits them; the autoscaler reads them. Updates are compare-and-set on the
// revision. A config needs its pool and provider config to exist, and keeps both from being
// deleted while it does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "manager/store/autoscale_records.h"
#include "manager/store/broker_outcomes.h"
#include "manager/store/page.h"

namespace corral::store {

struct AutoscaleConfigFilter {
  std::string pool_id;             // "" = every pool
  std::string provider_config_id;  // "" = every provider config
  std::string ldap_config_id;      // "" = every LDAP config (or none)
};

class AutoscaleConfigRepository {
 public:
  virtual ~AutoscaleConfigRepository() = default;

  // Writes revision 1 (config.revision is not read). invalid_argument for a record that breaks a
  // rule of checked_autoscale_config(); already_exists on a taken id or name; failed_precondition
  // when the pool or the provider config does not exist.
  virtual Status insert(const AutoscaleConfigRecord& config) = 0;
  virtual Result<std::optional<AutoscaleConfigRecord>> get(const std::string& id) = 0;
  virtual Result<std::optional<AutoscaleConfigRecord>> get_by_name(const std::string& name) = 0;
  // In id order.
  virtual Result<Page<AutoscaleConfigRecord>> list(const AutoscaleConfigFilter& filter, const PageRequest& page) = 0;
  // Replaces every field but id, pool, created_at and revision and makes the revision
  // expected_revision + 1, only if the stored revision is expected_revision. A provider config
  // that does not exist is failed_precondition.
  virtual Result<UpdateOutcome> update(const AutoscaleConfigRecord& config, uint64_t expected_revision) = 0;
  // not_found or removed: nothing in the store depends on a config.
  virtual Result<RemoveOutcome> remove(const std::string& id) = 0;
};

}  // namespace corral::store
