// LDAP configs: how the manager reaches a directory (Active Directory) to create computer records
// for autoscaled servers and, later, to sign users in. The API creates and edits them; the
// directory module reads them. Updates are compare-and-set on the revision, as for provider configs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace corral::store {

struct LdapConfigRecord {
  std::string id;    // UUID
  std::string name;  // unique
  std::string url;   // ldaps://host[:port] or ldap://host[:port] (then start_tls)
  bool start_tls = false;
  std::string bind_dn;
  std::string bind_password_sealed;  // SecretBox-sealed, bound to "ldap-config/<id>/bind_password"
  std::string ca_certificate;        // PEM; empty: the system's trust store
  std::string base_dn;
  uint32_t connect_timeout_ms = 0;
  uint32_t operation_timeout_ms = 0;
  bool enabled = true;  // for user sign-in; computer records work with a disabled config too
  std::string computer_container_dn;
  std::string hostname_pattern;
  bool recursive_delete = false;
  std::string user_filter;  // sign-in search filter with "{username}"; empty: the directory module's default
  uint64_t revision = 0;    // 1 at creation, +1 on every update
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

enum class LdapConfigUpdate { updated, not_found, revision_mismatch, name_taken };

class LdapConfigRepository {
 public:
  virtual ~LdapConfigRepository() = default;

  // invalid_argument if the id or name is empty; already_exists on a duplicate id or name.
  virtual Status insert(const LdapConfigRecord& config) = 0;
  // Replaces every field but id, created_at and revision, and sets revision to
  // expected_revision + 1, only if the stored revision is expected_revision.
  virtual Result<LdapConfigUpdate> update(const LdapConfigRecord& config, uint64_t expected_revision) = 0;
  virtual Result<std::optional<LdapConfigRecord>> get(const std::string& id) = 0;
  // Ordered by name.
  virtual Result<std::vector<LdapConfigRecord>> list() = 0;
  // not_found if the id is unknown.
  virtual Status remove(const std::string& id) = 0;
};

}  // namespace corral::store
