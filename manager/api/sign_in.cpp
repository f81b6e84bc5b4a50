#include "manager/api/sign_in.h"

#include <google/protobuf/util/time_util.h>

#include <utility>
#include <vector>

#include "common/log.h"
#include "common/text.h"
#include "corral/api/v1/api.pb.h"
#include "manager/api/json.h"
#include "manager/api/ldap_config_check.h"
#include "manager/api/routes.h"
#include "manager/directory/user_directory.h"

namespace corral::manager {
namespace {

namespace apiv1 = corral::api::v1;
using directory::SignInAnswer;
using directory::SignInOutcome;

constexpr size_t kMaxUsernameBytes = 256;
constexpr size_t kMaxPasswordBytes = 1024;

struct Directory {
  std::string name;
  directory::DirectoryConfig config;
  std::string user_filter;
};

// The configs in name order: the first that knows the user decides.
SignInAnswer ask(const std::vector<Directory>& directories, const std::string& username, const std::string& password) {
  SignInAnswer last;
  last.outcome = SignInOutcome::unknown_user;
  last.problem = "no enabled LDAP config knows the user";
  bool any_unavailable = false;
  for (const Directory& d : directories) {
    SignInAnswer a = directory::sign_in(d.config, d.user_filter, username, password);
    if (a.outcome == SignInOutcome::unknown_user) continue;
    if (a.outcome != SignInOutcome::unavailable) return a;
    any_unavailable = true;
    last = std::move(a);
    last.problem = "LDAP config " + d.name + ": " + last.problem;
  }
  // A user the reachable directories do not know may be in the one that did not answer.
  if (any_unavailable) last.outcome = SignInOutcome::unavailable;
  return last;
}

HttpResponse too_many(std::chrono::milliseconds wait) {
  const auto seconds = std::max<int64_t>(1, std::chrono::ceil<std::chrono::seconds>(wait).count());
  HttpResponse r = api::error_response(429, "resource_exhausted",
                                       "too many failed sign-ins: try again in " + std::to_string(seconds) + " s");
  r.headers.emplace_back("Retry-After", std::to_string(seconds));
  return r;
}

HttpResponse bad_login(const std::string& path, const std::string& message) {
  return api::error_response(400, "invalid_argument", path + ": " + message);
}

}  // namespace

void SignInService::login(const HttpRequest& request, Reply reply) {
  apiv1::LoginRequest in;
  if (Status s = api::parse_json_body(request.body, &in); !s.ok()) return reply(api::status_response(s));
  if (in.username().empty()) return reply(bad_login("/username", "is required"));
  if (!check_printable(in.username(), "username", kMaxUsernameBytes).ok()) {
    return reply(bad_login("/username", "must be printable text of at most " + std::to_string(kMaxUsernameBytes) +
                                            " bytes, without control characters"));
  }
  // An empty password would make the user's bind an unauthenticated one, which directories accept.
  if (in.password().empty()) return reply(bad_login("/password", "is required"));
  if (in.password().size() > kMaxPasswordBytes) {
    return reply(bad_login("/password", "must be at most " + std::to_string(kMaxPasswordBytes) + " bytes"));
  }
  const std::string username = in.username();
  const std::string peer = request.peer_address;
  if (auto wait = limiter_.admit(username, peer, clock_.steady_now()); wait.count() > 0) {
    log::warn("auth.sign_in_throttled", {{"user", username}, {"peer", peer}, {"retry_after_ms", wait.count()}});
    return reply(too_many(wait));
  }
  store_.submit(
      [](store::Store& s) { return s.ldap_configs().list(); },
      [this, username, peer, password = std::move(*in.mutable_password()),
       reply = std::move(reply)](Result<std::vector<store::LdapConfigRecord>> configs) mutable {
        if (!configs.ok()) {
          limiter_.abandoned(username, peer);
          return reply(api::status_response(configs.status()));
        }
        std::vector<Directory> directories;
        for (const auto& c : *configs) {
          if (!c.enabled) continue;
          auto config = api::directory_config(c, secrets_);
          if (!config.ok()) {
            log::error("auth.ldap_config_unusable", {{"ldap_config_id", c.id}, {"error", config.status().message()}});
            continue;
          }
          directories.push_back({c.name, std::move(config).value(),
                                 c.user_filter.empty() ? directory::kDefaultUserFilter : c.user_filter});
        }
        if (directories.empty()) {
          limiter_.abandoned(username, peer);
          log::warn("auth.sign_in_unavailable",
                    {{"user", username}, {"peer", peer}, {"reason", "no enabled LDAP config"}});
          return reply(api::error_response(503, "unavailable", "sign-in is not set up: no LDAP config is enabled"));
        }
        workers::JobOptions options;
        options.pool = workers::kDirectoryPool;
        options.limit_key = kSignInLimitKey;
        options.receiver = alive_.watch();
        options.what = "sign-in";
        workers_.submit<SignInAnswer>(
            std::move(options),
            [directories = std::move(directories), username, password = std::move(password)](
                const workers::CancelToken&) -> Result<SignInAnswer> { return ask(directories, username, password); },
            [this, username, peer, reply = std::move(reply)](Result<SignInAnswer> answer) mutable {
              finish(username, peer, std::move(answer), reply);
            });
      });
}

void SignInService::finish(const std::string& username, const std::string& peer, Result<SignInAnswer> answer,
                           const Reply& reply) {
  if (!answer.ok()) {
    limiter_.abandoned(username, peer);
    log::warn("auth.sign_in_unavailable", {{"user", username}, {"peer", peer}, {"reason", answer.status().message()}});
    return reply(api::error_response(503, "unavailable", "the directory could not be asked; try again later"));
  }
  switch (answer->outcome) {
    case SignInOutcome::signed_in: break;
    case SignInOutcome::unavailable:
      limiter_.abandoned(username, peer);
      log::warn("auth.sign_in_unavailable", {{"user", username}, {"peer", peer}, {"reason", answer->problem}});
      return reply(api::error_response(503, "unavailable", "the directory could not be asked; try again later"));
    case SignInOutcome::unknown_user:
    case SignInOutcome::invalid_credentials:
      limiter_.failed(username, peer, clock_.steady_now());
      log::warn("auth.sign_in_failed", {{"user", username}, {"peer", peer}, {"reason", answer->problem}});
      // The same answer whether the name is unknown or the password wrong.
      return reply(api::error_response(401, "unauthenticated", "wrong user name or password"));
  }
  limiter_.succeeded(username, peer);
  UserAuth::Issued issued = users_.issue(std::move(answer->user));
  const UserIdentity& who = *issued.identity;
  log::info("auth.signed_in",
            {{"user", who.username}, {"peer", peer}, {"token_id", who.token_id}, {"groups", who.groups.size()}});
  apiv1::LoginResponse out;
  out.set_token(issued.token);
  out.set_username(who.username);
  *out.mutable_expires_at() = google::protobuf::util::TimeUtil::SecondsToTimestamp(unix_seconds(who.expires_at));
  for (const auto& g : who.groups) out.add_groups(g.name);
  reply(api::json_response(200, out));
}

namespace api {

void add_sign_in_routes(Router& router, SignInService& service) {
  router.add_async("POST", "/api/v1/auth/login", Access::anyone,
                   [&service](const ApiRequest& r, Reply reply) { service.login(r.http, std::move(reply)); });
  router.add("POST", "/api/v1/auth/logout", Access::user, [&service](const ApiRequest& r) {
    if (r.user == nullptr) return error_response(400, "invalid_argument", "only a user token signs out");
    service.logout(*r.user);
    HttpResponse out;
    out.status = 204;
    return out;
  });
}

}  // namespace api
}  // namespace corral::manager
