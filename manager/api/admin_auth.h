// Admin bearer tokens for the REST API. Tokens look like "cadm.<id>.<secret>"; the store keeps
// the id and the SHA-256 of the secret only. On first start the manager creates one and writes it
// to DATA_DIR/admin.token (0600), the way an operator gets in for the first time.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "common/result.h"
#include "manager/store/store.h"

namespace corral::manager {

class AdminAuth {
 public:
  explicit AdminAuth(store::Store& store) : store_(store) {}

  // Loads the stored tokens; when there are none, creates the first one and writes it to TOKEN_PATH.
  Status initialize(const std::string& token_path, const Clock& clock);
  // True for "Bearer <valid admin token>".
  bool authorize(std::string_view authorization_header) const;

 private:
  store::Store& store_;
  std::unordered_map<std::string, std::string> secret_sha256_by_id_;
};

}  // namespace corral::manager
