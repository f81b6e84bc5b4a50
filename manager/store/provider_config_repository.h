// Provider configs (plugin, sealed config JSON, startup-script template, instance limit). The API
// creates and edits them; the autoscaler reads them. Updates are compare-and-set on the revision,
// so two concurrent edits can never both become revision N+1.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "manager/store/records.h"

namespace corral::store {

// The typed answer of a compare-and-set update; the API maps revision_mismatch to 409.
enum class ProviderConfigUpdate { updated, not_found, revision_mismatch, name_taken };
const char* provider_config_update_name(ProviderConfigUpdate u);

class ProviderConfigRepository {
 public:
  virtual ~ProviderConfigRepository() = default;

  // invalid_argument if the id or name is empty; already_exists on a duplicate id or name.
  virtual Status insert(const ProviderConfigRecord& config) = 0;
  // Replaces every field but id, created_at and revision, and sets revision to
  // expected_revision + 1, only if the stored revision is expected_revision (config.revision is
  // not read). Otherwise writes nothing and says why: not_found, revision_mismatch, or
  // name_taken when another config has the new name.
  virtual Result<ProviderConfigUpdate> update(const ProviderConfigRecord& config, uint64_t expected_revision) = 0;
  virtual Result<std::optional<ProviderConfigRecord>> get(const std::string& id) = 0;
  // Ordered by name.
  virtual Result<std::vector<ProviderConfigRecord>> list() = 0;
  // not_found if the id is unknown.
  virtual Status remove(const std::string& id) = 0;
};

}  // namespace corral::store
