#include "plugins/aws/sts_client.h"

#include <pugixml.hpp>

#include <cctype>
#include <cstdlib>

#include "plugins/aws/credential_sources.h"

namespace corral::aws {
namespace {

namespace pv1 = sdk::pv1;

AwsError sts_error(int status, const std::string& body, const std::string& request_id_header) {
  pugi::xml_document doc;
  std::string code;
  std::string message;
  std::string request_id = request_id_header;
  if (doc.load_buffer(body.data(), body.size())) {
    pugi::xml_node error = doc.child("ErrorResponse").child("Error");
    code = error.child_value("Code");
    message = error.child_value("Message");
    if (request_id.empty()) request_id = doc.child("ErrorResponse").child_value("RequestId");
  }
  AwsError e;
  e.message = "STS AssumeRole failed: HTTP " + std::to_string(status) + (code.empty() ? "" : " " + code) +
              (message.empty() ? "" : ": " + message) + (request_id.empty() ? "" : " (request id " + request_id + ")");
  if (code == "ValidationError" || code == "MalformedPolicyDocument" || code == "PackedPolicyTooLarge") {
    e.error_class = pv1::ERROR_CLASS_INVALID_CONFIG;
    e.field_path = "/role_arn";
  } else if (code == "RegionDisabledException") {
    e.error_class = pv1::ERROR_CLASS_INVALID_CONFIG;
    e.field_path = "/region";
  } else if (code == "Throttling" || code == "ThrottlingException" || code == "RequestLimitExceeded" || status == 429 ||
             status >= 500) {
    e.error_class = pv1::ERROR_CLASS_TRANSIENT;
  } else {
    e.error_class = pv1::ERROR_CLASS_AUTH;  // AccessDenied, InvalidClientTokenId, ExpiredToken, signature...
  }
  return e;
}

}  // namespace

std::string default_sts_endpoint(const std::string& region) {
  const bool china = region.rfind("cn-", 0) == 0;
  return "https://sts." + region + (china ? ".amazonaws.com.cn/" : ".amazonaws.com/");
}

std::string role_session_name(const std::string& config_name) {
  std::string name = "corral-";
  for (char c : config_name) {
    bool allowed = std::isalnum(static_cast<unsigned char>(c)) != 0 ||
                   std::string_view("_+=,.@-").find(c) != std::string_view::npos;
    name.push_back(allowed ? c : '-');
  }
  if (name.size() > 64) name.resize(64);
  return name;
}

Outcome<Credentials> assume_role(const AssumeRoleRequest& request, const Credentials& base, const HttpSend& send,
                                 int64_t now_unix_ms) {
  std::vector<std::pair<std::string, std::string>> params = {
      {"Action", "AssumeRole"},
      {"Version", "2011-06-15"},
      {"RoleArn", request.role_arn},
      {"RoleSessionName", request.session_name},
      {"DurationSeconds", std::to_string(request.duration_seconds)},
  };
  if (!request.external_id.empty()) params.emplace_back("ExternalId", request.external_id);

  SignableRequest signable;
  signable.method = "POST";
  signable.url = request.endpoint_url.empty() ? default_sts_endpoint(request.region) : request.endpoint_url;
  signable.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  signable.body = form_encode(params);
  try {
    (void)sign_request(signable, base, {request.region, "sts"}, now_unix_ms);
  } catch (const std::invalid_argument&) {
    return config_error("sts_endpoint_url is not an absolute URL", "/sts_endpoint_url");
  }

  pv1::HttpRequest http;
  http.set_method(signable.method);
  http.set_url(signable.url);
  for (const auto& [name, value] : signable.headers) {
    auto* h = http.add_headers();
    h->set_name(name);
    h->set_value(value);
  }
  http.set_body(signable.body);
  http.set_idempotent(true);  // a repeated AssumeRole only mints another session
  sdk::HttpResult result = send(http);
  if (!result.ok()) return transient_error("STS AssumeRole: no answer: " + no_answer_reason(result));
  const pv1::HttpResponse& resp = result.response;
  const std::string request_id = response_header(resp, "x-amzn-RequestId");
  if (resp.status() != 200) return sts_error(resp.status(), resp.body(), request_id);

  pugi::xml_document doc;
  if (!doc.load_buffer(resp.body().data(), resp.body().size())) {
    return transient_error("STS AssumeRole: the answer is not XML (request id " + request_id + ")");
  }
  pugi::xml_node creds = doc.child("AssumeRoleResponse").child("AssumeRoleResult").child("Credentials");
  Credentials c{creds.child_value("AccessKeyId"), creds.child_value("SecretAccessKey"),
                creds.child_value("SessionToken"), 0, "role " + request.role_arn};
  auto expires = parse_aws_time(creds.child_value("Expiration"));
  if (c.access_key_id.empty() || c.secret_access_key.empty() || c.session_token.empty() || !expires) {
    return auth_error("STS AssumeRole: the answer lacks credentials or their expiration (request id " + request_id +
                      ")");
  }
  c.expires_unix_ms = *expires;
  return c;
}

}  // namespace corral::aws
