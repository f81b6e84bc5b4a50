// The EC2 Query API's XML answers (API 2016-11-15), read with pugixml: the error document every
// failed call returns, the instance sets of RunInstances and DescribeInstances, the state changes
// of TerminateInstances and the root device of DescribeImages. Called by the EC2 client; no I/O.
// Element names are EC2's (lower camel case, "item" list members, "RequestID" in errors).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/aws/aws_error.h"

namespace corral::aws {

struct Ec2ErrorBody {
  std::string code;  // "InsufficientInstanceCapacity", "InvalidAMIID.NotFound"...
  std::string message;
  std::string request_id;
};

struct Ec2Instance {
  std::string id;
  std::string image_id;
  std::string instance_type;
  std::string state;  // pending, running, shutting-down, terminated, stopping, stopped
  std::string state_reason;
  std::string zone;
  std::string platform;  // "windows" or empty
  std::string private_ip;
  std::string public_ip;
  std::string private_dns;
  int64_t launch_unix_ms = 0;
  std::string client_token;
  std::map<std::string, std::string> tags;
};

struct InstancePage {
  std::string request_id;
  std::vector<Ec2Instance> instances;
  std::string next_token;  // empty on the last page
};

struct InstanceStateChange {
  std::string id;
  std::string current_state;
};

struct TerminateAnswer {
  std::string request_id;
  std::vector<InstanceStateChange> instances;
};

struct ImageAnswer {
  std::string request_id;
  std::string root_device_name;  // empty when the image is unknown
  std::string platform;
};

// The <Response><Errors><Error> document; nullopt when BODY is not one.
std::optional<Ec2ErrorBody> parse_ec2_error(std::string_view body);

// RunInstancesResponse (its instancesSet) or DescribeInstancesResponse (every reservation's).
// An error names the document it expected; it is transient (an answer cut short or a proxy's page).
Outcome<InstancePage> parse_instances(std::string_view body);
Outcome<TerminateAnswer> parse_terminate(std::string_view body);
Outcome<ImageAnswer> parse_image(std::string_view body);

}  // namespace corral::aws
