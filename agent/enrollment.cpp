#include "agent/enrollment.h"

#include <google/protobuf/util/json_util.h>

#include <chrono>

#include "common/clock.h"
#include "common/files.h"
#include "common/log.h"
#include "common/tls/certificate.h"
#include "common/tls/keys.h"
#include "corral/agent/v1/enrollment.pb.h"
#include "corral/api/v1/api.pb.h"

namespace corral::agent {
namespace {

using corral::agent::state::v1::EnrollmentState;
namespace pbutil = google::protobuf::util;

Status refused(const http::Response& response, const std::string& url) {
  corral::api::v1::Error answer;
  pbutil::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!pbutil::JsonStringToMessage(response.body, &answer, options).ok() || answer.reason().empty()) {
    // Not the manager speaking (a proxy, a wrong port): worth retrying later.
    return error(response.status >= 500 ? ErrorCode::unavailable : ErrorCode::failed_precondition,
                 "POST " + url + " answered HTTP " + std::to_string(response.status));
  }
  log::error("agent.enroll_refused",
             {{"reason", answer.reason()}, {"message", answer.message()}, {"http_status", response.status}});
  // The manager's own failures (store_error, internal) leave the token unused.
  ErrorCode code = response.status >= 500 ? ErrorCode::unavailable : ErrorCode::permission_denied;
  return error(code, answer.reason() + ": " + answer.message());
}

Status check_response(const corral::agent::v1::EnrollResponse& r) {
  if (r.agent_id().empty()) return error(ErrorCode::internal, "the enrollment answer has no agent_id");
  if (r.certificate_pem().empty()) return error(ErrorCode::internal, "the enrollment answer has no certificate");
  if (r.agent_endpoint().empty()) return error(ErrorCode::internal, "the enrollment answer has no agent_endpoint");
  return {};
}

Result<std::string> key_for_enrollment(const DataDir& data_dir) {
  if (auto kept = read_file(data_dir.key_path()); kept.ok() && tls::create_csr_pem(*kept, "corral-agent").ok()) {
    return kept;
  }
  auto key_pem = tls::generate_private_key_pem();
  if (!key_pem.ok()) return key_pem.status();
  if (Status s = save_private_key(data_dir, *key_pem); !s.ok()) return s;
  return key_pem;
}

}  // namespace

Result<std::string> normalize_manager_url(const std::string& url) {
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) {
    return error(ErrorCode::invalid_argument, "--manager must be an https:// URL, got '" + url + "'");
  }
  std::string out = url;
  while (out.size() > kScheme.size() && out.back() == '/') out.pop_back();
  if (out.size() == kScheme.size() || out[kScheme.size()] == '/') {
    return error(ErrorCode::invalid_argument, "--manager has no host: '" + url + "'");
  }
  return out;
}

Result<EnrollmentState> enroll(const DataDir& data_dir, const EnrollParams& params, const HttpPerform& perform) {
  auto manager_url = normalize_manager_url(params.manager_url);
  if (!manager_url.ok()) return manager_url.status();
  auto token = parse_join_token(params.join_token);
  if (!token.ok())
    return error(ErrorCode::invalid_argument, "the join token is malformed: " + token.status().message());

  auto ca_pem = trusted_manager_ca(*manager_url, *token, params.ca_cert_pem, perform);
  if (!ca_pem.ok()) return ca_pem.status();

  // The key is on disk before the manager hears of it. One left by an attempt whose answer never
  // came (the manager stopped, the connection dropped) is used again: the manager knows the same
  // key with the same token and answers again, where a new key would find the token used up.
  if (Status s = prepare_data_dir(data_dir); !s.ok()) return s;
  auto key_pem = key_for_enrollment(data_dir);
  if (!key_pem.ok()) return key_pem.status();
  // The CA replaces the subject anyway; the name only helps someone reading the request.
  bool usable_name = !params.hostname.empty() && params.hostname.size() <= 64;
  auto csr_pem = tls::create_csr_pem(*key_pem, usable_name ? params.hostname : "corral-agent");
  if (!csr_pem.ok()) return csr_pem.status();

  corral::agent::v1::EnrollRequest body;
  body.set_join_token(params.join_token);
  body.set_csr_pem(*csr_pem);
  body.set_hostname(params.hostname);
  body.set_os_family(corral::agent::v1::OS_FAMILY_LINUX);
  http::Request request;
  request.method = "POST";
  request.url = *manager_url + "/api/v1/enroll";
  request.headers.emplace_back("Content-Type", "application/json");
  (void)pbutil::MessageToJsonString(body, &request.body);
  request.tls.ca_pem = *ca_pem;
  request.tls.verify = true;
  request.timeout = std::chrono::seconds(30);

  auto response = perform(request);
  if (!response.ok()) return response.status();
  if (response->status != 200) return refused(*response, request.url);

  corral::agent::v1::EnrollResponse answer;
  pbutil::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!pbutil::JsonStringToMessage(response->body, &answer, options).ok()) {
    return error(ErrorCode::internal, "POST " + request.url + " answered something that is not an EnrollResponse");
  }
  if (Status s = check_response(answer); !s.ok()) return s;
  std::string ca_out = answer.ca_certificate_pem().empty() ? *ca_pem : answer.ca_certificate_pem();
  if (Status s = tls::verify_certificate(answer.certificate_pem(), ca_out); !s.ok()) {
    return error(ErrorCode::internal, "the certificate the manager issued does not verify: " + s.message());
  }

  EnrollmentState state;
  state.set_agent_id(answer.agent_id());
  state.set_agent_endpoint(answer.agent_endpoint());
  state.set_server_id(answer.server_id());
  state.mutable_labels()->insert(answer.labels().begin(), answer.labels().end());
  state.set_manager_url(*manager_url);
  state.set_enrolled_at(unix_seconds(std::chrono::system_clock::now()));
  if (Status s = save_enrollment(data_dir, state, answer.certificate_pem(), ca_out); !s.ok()) return s;
  log::info("agent.enrolled", {{"agent_id", state.agent_id()},
                               {"agent_endpoint", state.agent_endpoint()},
                               {"server_id", state.server_id()},
                               {"data_dir", data_dir.root}});
  return state;
}

}  // namespace corral::agent
