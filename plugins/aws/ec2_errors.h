// How an EC2 error answer becomes the provider error class the manager acts on (docs/providers/
// aws.md, "Troubleshooting"): capacity, quota, auth, a config field at fault, or transient. Pure
// functions of the answer, so every code's class is tested without a network.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "plugins/aws/aws_error.h"
#include "plugins/aws/ec2_xml.h"

namespace corral::aws {

// ACTION: "RunInstances"... STATUS: the HTTP status. BODY: what parse_ec2_error read (empty when
// the answer was not EC2's XML, e.g. a proxy's page). REQUEST_ID: the error's, else the header's.
// The message reads "EC2 <action>: <code>: <EC2's message> (HTTP <status>, request id <id>)".
AwsError classify_ec2_error(std::string_view action, int status, const Ec2ErrorBody& body, int64_t retry_after_ms);

// InvalidInstanceID.NotFound / .Malformed: for Get and Delete the instance is gone.
bool is_unknown_instance(std::string_view code);

// The config field an InvalidParameterValue-like message names ("... for parameter instanceType
// is invalid" -> "/instance_type"), or "" when it names none of ours.
std::string field_named_in(std::string_view message);

}  // namespace corral::aws
