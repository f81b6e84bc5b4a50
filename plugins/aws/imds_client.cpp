#include "plugins/aws/imds_client.h"

#include <nlohmann/json.hpp>

#include "plugins/aws/credential_sources.h"

namespace corral::aws {
namespace {

namespace pv1 = sdk::pv1;

// Six hours, the longest IMDS grants and what the official SDKs ask for.
constexpr int64_t kTokenTtlSeconds = 21600;
// A token is dropped this long before IMDS would expire it, so no request races its end.
constexpr int64_t kTokenMarginMs = 60'000;
// IMDS is link-local and answers in milliseconds; waiting longer only delays the chain's verdict
// off EC2. The host retries the (idempotent) requests on a timeout.
constexpr int64_t kImdsTimeoutMs = 1000;

pv1::HttpRequest request(const std::string& method, const std::string& url) {
  pv1::HttpRequest r;
  r.set_method(method);
  r.set_url(url);
  r.set_timeout_ms(kImdsTimeoutMs);
  return r;
}

AwsError failure(const std::string& what, const sdk::HttpResult& r) {
  if (!r.ok()) return auth_error("instance metadata (" + what + "): no answer: " + no_answer_reason(r));
  int status = r.response.status();
  AwsError e = auth_error("instance metadata (" + what + "): HTTP " + std::to_string(status));
  if (status >= 500) e.error_class = pv1::ERROR_CLASS_TRANSIENT;
  if (status == 404 && what == "role name") e.message += ": no IAM role is attached to this instance";
  return e;
}

}  // namespace

ImdsClient::ImdsClient(std::string endpoint) : endpoint_(std::move(endpoint)) {}

Outcome<std::string> ImdsClient::token(const HttpSend& send, int64_t now_unix_ms, bool force) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!force && !token_.empty() && now_unix_ms < token_expires_ms_) return token_;
  pv1::HttpRequest r = request("PUT", endpoint_ + "/latest/api/token");
  auto* ttl = r.add_headers();
  ttl->set_name("X-aws-ec2-metadata-token-ttl-seconds");
  ttl->set_value(std::to_string(kTokenTtlSeconds));
  r.add_sensitive_headers("X-aws-ec2-metadata-token");
  sdk::HttpResult result = send(r);
  if (!result.ok() || result.response.status() != 200 || result.response.body().empty()) {
    return failure("session token", result);
  }
  token_ = result.response.body();
  token_expires_ms_ = now_unix_ms + kTokenTtlSeconds * 1000 - kTokenMarginMs;
  return token_;
}

Outcome<std::string> ImdsClient::get(const HttpSend& send, const std::string& path, int64_t now_unix_ms) {
  for (bool force : {false, true}) {
    auto t = token(send, now_unix_ms, force);
    if (!t.ok()) return t.error();
    pv1::HttpRequest r = request("GET", endpoint_ + path);
    auto* h = r.add_headers();
    h->set_name("X-aws-ec2-metadata-token");
    h->set_value(t.value());
    r.add_sensitive_headers("X-aws-ec2-metadata-token");
    r.set_sensitive_body(true);
    sdk::HttpResult result = send(r);
    // 401: the token expired or IMDS restarted; one fresh token, then give up.
    if (result.ok() && result.response.status() == 401 && !force) continue;
    if (!result.ok() || result.response.status() != 200) {
      return failure(path.back() == '/' ? "role name" : "role credentials", result);
    }
    return std::string(result.response.body());
  }
  return auth_error("instance metadata refused a fresh session token (HTTP 401)");
}

Outcome<Credentials> ImdsClient::fetch(const HttpSend& send, int64_t now_unix_ms) {
  const std::string base = "/latest/meta-data/iam/security-credentials/";
  auto roles = get(send, base, now_unix_ms);
  if (!roles.ok()) return roles.error();
  std::string role = roles.value().substr(0, roles.value().find('\n'));
  while (!role.empty() && (role.back() == '\r' || role.back() == ' ')) role.pop_back();
  if (role.empty()) return auth_error("instance metadata: no IAM role is attached to this instance");
  auto body = get(send, base + role, now_unix_ms);
  if (!body.ok()) return body.error();

  nlohmann::json doc = nlohmann::json::parse(body.value(), nullptr, false);
  auto field = [&](const char* key) -> std::string {
    if (!doc.is_object() || !doc.contains(key) || !doc[key].is_string()) return {};
    return doc[key].get<std::string>();
  };
  if (!doc.is_object()) return auth_error("instance metadata: credentials of role " + role + " are not JSON");
  if (std::string code = field("Code"); !code.empty() && code != "Success") {
    return auth_error("instance metadata: role " + role + " credentials unavailable (Code " + code + ")");
  }
  Credentials c{field("AccessKeyId"), field("SecretAccessKey"), field("Token"), 0, "instance role " + role};
  auto expires = parse_aws_time(field("Expiration"));
  if (c.access_key_id.empty() || c.secret_access_key.empty() || !expires) {
    return auth_error("instance metadata: credentials of role " + role +
                      " lack AccessKeyId, SecretAccessKey or a valid Expiration");
  }
  c.expires_unix_ms = *expires;
  return c;
}

}  // namespace corral::aws
