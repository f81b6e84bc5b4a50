// EC2 Query API 2016-11-15 calls for one provider call: each request is form-encoded as the
// official SDKs send it, SigV4-signed for "ec2" in the config's region with the host clock, and
// sent through the host HTTP service, which retries transport failures, 429 and 5xx with backoff
// and Retry-After (every action here is safe to resend: RunInstances carries a ClientToken).
// What still fails comes back as an AwsError of the right class with EC2's code and request id;
// every call is reported to CallLog with its request id.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "plugins/aws/aws_error.h"
#include "plugins/aws/ec2_xml.h"
#include "plugins/aws/http_send.h"
#include "plugins/aws/run_instances.h"
#include "plugins/aws/sigv4.h"

namespace corral::aws {

// One EC2 call as the log sees it.
struct Ec2CallRecord {
  std::string action;
  std::string request_id;  // "none" when no answer carried one
  int http_status = 0;     // 0: no answer
  uint32_t attempts = 0;
  std::string error_code;     // EC2's code, or "" on success
  std::string error_class;    // ERROR_CLASS_... name, or "" on success
  std::string error_message;  // the AwsError's message (never a secret)
};
using CallLog = std::function<void(const Ec2CallRecord&)>;

struct Ec2Endpoint {
  std::string url;  // scheme://host[:port], no path
  std::string region;
};

class Ec2Client {
 public:
  Ec2Client(Ec2Endpoint endpoint, Credentials credentials, HttpSend send, std::function<int64_t()> now_unix_ms,
            CallLog log);

  Outcome<InstancePage> run_instances(const QueryParams& params);
  // One page; PARAMS hold InstanceId.N or Filter.N, and NextToken for the pages after the first.
  Outcome<InstancePage> describe_instances(const QueryParams& params);
  Outcome<TerminateAnswer> terminate_instance(const std::string& instance_id);
  Outcome<ImageAnswer> describe_image(const std::string& image_id);

  // EC2's error code of the last call that failed with one ("" otherwise).
  const std::string& last_error_code() const { return last_error_code_; }

 private:
  // The body of a 200 answer. SENSITIVE: the body holds the startup script (a join token).
  Outcome<std::string> call(const QueryParams& params, bool sensitive);

  // Logs the call pending_ describes with the request id ANSWER carries; a body that does not
  // parse becomes the error (it names the action; no answer without a request id is kept).
  template <typename T>
  Outcome<T> parsed(Outcome<T> answer);

  Ec2Endpoint endpoint_;
  Credentials credentials_;
  HttpSend send_;
  std::function<int64_t()> now_unix_ms_;
  CallLog log_;
  std::string last_error_code_;
  Ec2CallRecord pending_;  // the 200 answer call() returned, until parsed() logs it
};

}  // namespace corral::aws
