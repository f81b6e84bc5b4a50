// Bearer tokens of signed-in directory users ("cusr.<id>.<secret>"), handed out by
// POST /api/v1/auth/login. A token carries who the user is and the groups the directory reported
// at sign-in, and lasts sign_in.token_lifetime_seconds. Only the SHA-256 of its secret is kept,
// in memory: a user signs in again after the manager restarts (docs/active-directory.md).
// authenticate() runs on the network thread (the request gate) and on the core; like AdminAuth,
// the table is an immutable snapshot the core replaces whole.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "manager/directory/user_directory.h"

namespace corral::manager {

struct UserIdentity {
  std::string token_id;
  std::string username;  // the user of every session this token creates
  std::string dn;
  std::vector<directory::DirectoryGroup> groups;
  std::chrono::system_clock::time_point expires_at;
};

class UserAuth {
 public:
  // A user holding more tokens than this loses the oldest: signing in in a loop cannot grow the table.
  static constexpr size_t kMaxTokensPerUser = 16;

  UserAuth(const Clock& clock, std::chrono::seconds lifetime) : clock_(clock), lifetime_(lifetime) {}

  struct Issued {
    std::string token;  // secret: hand out once, never log
    std::shared_ptr<const UserIdentity> identity;
  };
  // Core thread. Also forgets expired tokens.
  Issued issue(directory::DirectoryUser user);
  // Core thread. Forgets the token (sign-out); unknown ids are ignored.
  void revoke(const std::string& token_id);

  // Any thread. The user behind "Bearer <token>" while the token is unexpired; null otherwise.
  std::shared_ptr<const UserIdentity> authenticate(std::string_view authorization_header) const;

 private:
  struct Entry {
    std::string secret_sha256;
    std::shared_ptr<const UserIdentity> identity;
  };
  using Table = std::unordered_map<std::string, Entry>;  // token id → entry

  std::shared_ptr<const Table> snapshot() const;
  void publish(std::shared_ptr<const Table> table);

  const Clock& clock_;
  const std::chrono::seconds lifetime_;
  mutable std::mutex table_mutex_;  // guards the pointer copy only (see AdminAuth)
  std::shared_ptr<const Table> table_ = std::make_shared<const Table>();
};

}  // namespace corral::manager
