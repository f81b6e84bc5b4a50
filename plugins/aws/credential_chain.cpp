#include "plugins/aws/credential_chain.h"

#include <cctype>

#include "plugins/aws/sts_client.h"

namespace corral::aws {
namespace {

bool fresh(const std::optional<Credentials>& c, int64_t now) {
  return c && (c->expires_unix_ms == 0 || now < c->expires_unix_ms - kRefreshBeforeMs);
}

bool still_valid(const std::optional<Credentials>& c, int64_t now) {
  return c && (c->expires_unix_ms == 0 || now < c->expires_unix_ms);
}

// Refreshes CACHE with FETCH unless it is fresh; keeps the old value if the refresh fails while
// it is still valid.
template <typename Fetch>
Outcome<Credentials> refreshed(std::optional<Credentials>& cache, int64_t now, Fetch fetch) {
  if (fresh(cache, now)) return *cache;
  Outcome<Credentials> got = fetch();
  if (got.ok()) {
    cache = got.value();
    return got;
  }
  if (still_valid(cache, now)) return *cache;
  return got;
}

bool imds_disabled(const EnvLookup& env) {
  auto v = env("AWS_EC2_METADATA_DISABLED");
  if (!v) return false;
  std::string s = *v;
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s == "true";
}

}  // namespace

CredentialChain::CredentialChain(CredentialSettings settings)
    : settings_(std::move(settings)),
      imds_(settings_.imds_endpoint.empty() ? kDefaultImdsEndpoint : settings_.imds_endpoint) {}

Outcome<Credentials> CredentialChain::credentials(const CredentialContext& ctx) {
  const int64_t now = ctx.now_unix_ms();
  std::lock_guard<std::mutex> lock(mu_);
  if (settings_.role_arn.empty()) return base_credentials(ctx, now);
  return refreshed(assumed_role_, now, [&]() -> Outcome<Credentials> {
    auto base = base_credentials(ctx, now);
    if (!base.ok()) return base;
    AssumeRoleRequest req{settings_.role_arn, settings_.external_id, settings_.session_name, settings_.region,
                          settings_.sts_endpoint_url};
    return assume_role(req, base.value(), ctx.http, now);
  });
}

Outcome<Credentials> CredentialChain::base_credentials(const CredentialContext& ctx, int64_t now) {
  auto from_config = static_credentials(settings_.access_key_id, settings_.secret_access_key, settings_.session_token);
  if (!from_config.ok()) return from_config.error();
  if (from_config.value()) return *from_config.value();

  auto from_env = environment_credentials(ctx.env);
  if (!from_env.ok()) return from_env.error();
  if (from_env.value()) return *from_env.value();

  auto from_profile = profile_credentials(settings_.profile, ctx.env);
  if (!from_profile.ok()) return from_profile.error();
  if (from_profile.value()) return *from_profile.value();

  std::string searched =
      "no AWS credentials found: none in the provider config, the environment (AWS_ACCESS_KEY_ID) "
      "or the shared credentials and config files";
  if (imds_disabled(ctx.env))
    return auth_error(searched + ", and instance metadata is disabled (AWS_EC2_METADATA_DISABLED)");
  auto role = instance_role(ctx, now);
  if (role.ok()) return role;
  AwsError e = role.error();
  e.message = searched + "; " + e.message;
  return e;
}

Outcome<Credentials> CredentialChain::instance_role(const CredentialContext& ctx, int64_t now) {
  return refreshed(instance_role_, now, [&] { return imds_.fetch(ctx.http, now); });
}

}  // namespace corral::aws
