// POST /api/v1/auth/login and /logout: a directory user signs in with their user name and
// password (docs/active-directory.md, "User sign-in"). The enabled LDAP configs are read from the
// store, the directory is asked on the "directory" worker pool (never the core), and a user token
// comes back. Failed attempts are slowed down per user name and per source address
// (SignInLimiter) and logged without the password, which is used for the bind and then dropped.
#pragma once

#include <functional>
#include <string>

#include "common/clock.h"
#include "common/secret_box.h"
#include "manager/api/sign_in_limiter.h"
#include "manager/api/user_auth.h"
#include "manager/net/transport.h"
#include "manager/store/store_executor.h"
#include "manager/workers/executor.h"

namespace corral::manager {

// Sign-ins share the directory pool with computer records: they may take all but one of its threads.
inline constexpr char kSignInLimitKey[] = "sign-in";

class SignInService {
 public:
  using Reply = std::function<void(HttpResponse)>;

  SignInService(store::StoreExecutor& store, const SecretBox& secrets, const Clock& clock, workers::Executor& workers,
                UserAuth& users, SignInLimits limits)
      : store_(store), secrets_(secrets), clock_(clock), workers_(workers), users_(users), limiter_(limits) {}

  // Core thread. 200 LoginResponse; 400 for a malformed body or an empty user name or password
  // (refused before any bind); 401 for a wrong user name or password; 429 with Retry-After while
  // the user name or address must wait; 503 when no enabled directory could be asked.
  void login(const HttpRequest& request, Reply reply);
  // Core thread. Forgets the caller's token.
  void logout(const UserIdentity& user) { users_.revoke(user.token_id); }

 private:
  void finish(const std::string& username, const std::string& peer, Result<directory::SignInAnswer> answer,
              const Reply& reply);

  store::StoreExecutor& store_;
  const SecretBox& secrets_;
  const Clock& clock_;
  workers::Executor& workers_;
  UserAuth& users_;
  SignInLimiter limiter_;
  workers::Liveness alive_;  // worker completions reach this service only while it lives
};

}  // namespace corral::manager
