// Admin API bearer tokens, stored as id + SHA-256 of the secret. AdminAuth loads them at start
// and creates the first; the API lists, creates and revokes them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "manager/store/records.h"

namespace corral::store {

class AdminTokenRepository {
 public:
  virtual ~AdminTokenRepository() = default;

  // invalid_argument on an empty id, already_exists on a duplicate one.
  virtual Status insert(const AdminTokenRecord& token) = 0;
  virtual Result<std::optional<AdminTokenRecord>> get(const std::string& id) = 0;
  // Ordered by created_at, then id.
  virtual Result<std::vector<AdminTokenRecord>> list() = 0;
  // Revokes the token by deleting it: nothing else refers to an admin token, so there is no
  // history worth keeping. not_found if the id is unknown.
  virtual Status remove(const std::string& id) = 0;
};

}  // namespace corral::store
