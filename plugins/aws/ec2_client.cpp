#include "plugins/aws/ec2_client.h"

#include <charconv>
#include <utility>

#include "plugins/aws/ec2_errors.h"

namespace corral::aws {
namespace {

namespace pv1 = sdk::pv1;

// Retry-After in delay-seconds, as AWS sends it; 0 when absent or not a number.
int64_t retry_after_ms(const pv1::HttpResponse& response) {
  std::string value = response_header(response, "Retry-After");
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || seconds < 0) return 0;
  return seconds > 3600 ? 3600 * 1000 : seconds * 1000;
}

const std::string& action_of(const QueryParams& params) {
  static const std::string none;
  for (const auto& [k, v] : params) {
    if (k == "Action") return v;
  }
  return none;
}

}  // namespace

Ec2Client::Ec2Client(Ec2Endpoint endpoint, Credentials credentials, HttpSend send, std::function<int64_t()> now_unix_ms,
                     CallLog log)
    : endpoint_(std::move(endpoint)),
      credentials_(std::move(credentials)),
      send_(std::move(send)),
      now_unix_ms_(std::move(now_unix_ms)),
      log_(std::move(log)) {
  while (!endpoint_.url.empty() && endpoint_.url.back() == '/') endpoint_.url.pop_back();
}

Outcome<std::string> Ec2Client::call(const QueryParams& params, bool sensitive) {
  const std::string& action = action_of(params);
  Ec2CallRecord record;
  record.action = action;
  record.request_id = "none";
  last_error_code_.clear();
  auto fail = [&](AwsError e, const std::string& code) -> Outcome<std::string> {
    last_error_code_ = code;
    record.error_code = code;
    record.error_class = pv1::ErrorClass_Name(e.error_class);
    record.error_message = e.message;
    if (log_) log_(record);
    return e;
  };

  SignableRequest signable;
  signable.method = "POST";
  signable.url = endpoint_.url + "/";
  signable.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  signable.body = form_encode(params);
  try {
    (void)sign_request(signable, credentials_, {endpoint_.region, "ec2"}, now_unix_ms_());
  } catch (const std::invalid_argument&) {
    return fail(config_error("endpoint_url is not an absolute URL", "/endpoint_url"), "");
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
  http.set_idempotent(true);
  http.set_sensitive_body(sensitive);

  sdk::HttpResult result = send_(http);
  record.attempts = result.response.attempts();
  if (!result.ok()) {
    return fail(transient_error("EC2 " + action + ": no answer from " + endpoint_.url + ": " +
                                no_answer_reason(result) + " (request id none)"),
                "");
  }
  const pv1::HttpResponse& response = result.response;
  record.http_status = response.status();
  if (response.status() == 200) {
    pending_ = record;  // logged by parsed(), which knows the request id
    return std::string(response.body());
  }
  Ec2ErrorBody body = parse_ec2_error(response.body()).value_or(Ec2ErrorBody{});
  if (body.request_id.empty()) body.request_id = response_header(response, "x-amzn-RequestId");
  if (!body.request_id.empty()) record.request_id = body.request_id;
  return fail(classify_ec2_error(action, response.status(), body, retry_after_ms(response)), body.code);
}

template <typename T>
Outcome<T> Ec2Client::parsed(Outcome<T> answer) {
  Ec2CallRecord record = std::move(pending_);
  if (answer.ok()) {
    if (!answer.value().request_id.empty()) record.request_id = answer.value().request_id;
  } else {
    AwsError e = answer.error();
    e.message = "EC2 " + record.action + ": " + e.message + " (request id none)";
    record.error_class = pv1::ErrorClass_Name(e.error_class);
    record.error_message = e.message;
    answer = e;
  }
  if (log_) log_(record);
  return answer;
}

Outcome<InstancePage> Ec2Client::run_instances(const QueryParams& params) {
  auto body = call(params, true);
  if (!body.ok()) return body.error();
  return parsed(parse_instances(body.value()));
}

Outcome<InstancePage> Ec2Client::describe_instances(const QueryParams& params) {
  auto body = call(params, false);
  if (!body.ok()) return body.error();
  return parsed(parse_instances(body.value()));
}

Outcome<TerminateAnswer> Ec2Client::terminate_instance(const std::string& instance_id) {
  auto body = call({{"Action", "TerminateInstances"}, {"Version", "2016-11-15"}, {"InstanceId.1", instance_id}}, false);
  if (!body.ok()) return body.error();
  return parsed(parse_terminate(body.value()));
}

Outcome<ImageAnswer> Ec2Client::describe_image(const std::string& image_id) {
  auto body = call({{"Action", "DescribeImages"}, {"Version", "2016-11-15"}, {"ImageId.1", image_id}}, false);
  if (!body.ok()) return body.error();
  return parsed(parse_image(body.value()));
}

}  // namespace corral::aws
