// Admin bearer tokens for the REST API. Tokens look like "cadm.<id>.<secret>"; the store keeps
// the id and the SHA-256 of the secret only. On first start the manager creates one and writes it
// to DATA_DIR/admin.token (0600), the way an operator gets in for the first time.
// authorize() runs on the network thread (the request gate, before a body is read) and on the
// core; the token table is an immutable snapshot the core replaces whole (add/remove), so readers
// only copy a pointer under a lock held for nothing else and never see half an update.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "common/result.h"
#include "manager/store/store.h"

namespace corral::manager {

class AdminAuth {
 public:
  AdminAuth() = default;

  // At start, before the core runs. Loads the stored tokens; when there are none, creates the
  // first one and writes it to TOKEN_PATH.
  Status initialize(store::Store& store, const std::string& token_path, const Clock& clock);
  // A new token: the record to store (hash only) and the "cadm.<id>.<secret>" text to hand out once.
  struct NewToken {
    store::AdminTokenRecord record;
    std::string token;  // secret
  };
  static NewToken generate(std::string name, int64_t created_at);

  // Any thread. True for "Bearer <valid admin token>".
  bool authorize(std::string_view authorization_header) const;

  // Core thread. Publish a table with the token added (or replaced) / removed; requests checked
  // after the call see it. They do not touch the store: the caller writes it first.
  void add(const std::string& token_id, const std::string& secret_sha256);
  void remove(const std::string& token_id);

 private:
  // token id → hex SHA-256 of its secret.
  using Table = std::unordered_map<std::string, std::string>;

  std::shared_ptr<const Table> snapshot() const;
  void publish(std::shared_ptr<const Table> table);

  // A mutex rather than std::atomic<std::shared_ptr>: libstdc++ 12 implements that with a lock
  // bit ThreadSanitizer cannot see, and the critical section here is one pointer copy.
  mutable std::mutex table_mutex_;
  std::shared_ptr<const Table> table_ = std::make_shared<const Table>();
};

}  // namespace corral::manager
