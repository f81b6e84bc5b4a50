#include "agent/manager_ca.h"

#include <google/protobuf/util/json_util.h>

#include "common/log.h"
#include "common/tls/certificate.h"
#include "corral/agent/v1/enrollment.pb.h"

namespace corral::agent {
namespace {

constexpr char kBegin[] = "-----BEGIN CERTIFICATE-----";
constexpr char kEnd[] = "-----END CERTIFICATE-----";

Result<std::string> fetch_unverified_ca(const std::string& manager_url, const HttpPerform& perform) {
  http::Request request;
  request.method = "GET";
  request.url = manager_url + "/api/v1/enroll/ca";
  request.tls.verify = false;
  auto response = perform(request);
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    return error(ErrorCode::unavailable, "GET " + request.url + " answered HTTP " + std::to_string(response->status));
  }
  corral::agent::v1::CaCertificate ca;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(response->body, &ca, options).ok()) {
    return error(ErrorCode::invalid_argument, "GET " + request.url + " did not answer a CA certificate");
  }
  return ca.ca_certificate_pem();
}

}  // namespace

std::string first_certificate_block(const std::string& text) {
  size_t begin = text.find(kBegin);
  if (begin == std::string::npos) return {};
  size_t end = text.find(kEnd, begin);
  if (end == std::string::npos) return {};
  return text.substr(begin, end + sizeof(kEnd) - 1 - begin) + "\n";
}

Result<std::string> trusted_manager_ca(const std::string& manager_url, const JoinTokenParts& token,
                                       const std::string& ca_cert_pem, const HttpPerform& perform) {
  const std::string& expected = token.ca_sha256;
  std::string source;
  std::string candidate;
  if (!ca_cert_pem.empty()) {
    source = "the --ca-cert certificate";
    candidate = first_certificate_block(ca_cert_pem);
    if (candidate.empty()) return error(ErrorCode::invalid_argument, "--ca-cert holds no PEM certificate");
    if (expected.empty()) {
      if (auto hash = tls::certificate_sha256_hex(candidate); !hash.ok()) {
        return error(ErrorCode::invalid_argument, "--ca-cert: " + hash.status().message());
      }
      return candidate;
    }
  } else if (!expected.empty()) {
    source = "the manager's CA";
    auto fetched = fetch_unverified_ca(manager_url, perform);
    if (!fetched.ok()) return fetched.status();
    candidate = first_certificate_block(*fetched);
    if (candidate.empty()) {
      return error(ErrorCode::invalid_argument, "the manager's CA answer holds no PEM certificate");
    }
  } else {
    return error(ErrorCode::permission_denied,
                 "cannot verify the manager: the join token carries no CA hash and no --ca-cert was given");
  }

  auto actual = tls::certificate_sha256_hex(candidate);
  if (!actual.ok()) return error(ErrorCode::invalid_argument, source + " is unreadable: " + actual.status().message());
  if (*actual != expected) {
    log::error("agent.ca_mismatch", {{"expected_sha256", expected}, {"received_sha256", *actual}});
    std::string what = ca_cert_pem.empty() ? "the manager's CA" : "the CA in --ca-cert";
    return error(ErrorCode::permission_denied,
                 what + " does not match the join token's hash: expected " + expected + ", got " + *actual);
  }
  log::info("agent.ca_verified", {{"ca_sha256", *actual}});
  return candidate;
}

}  // namespace corral::agent
