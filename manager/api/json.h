// The REST API's JSON is the protobuf JSON mapping of the corral.api.v1 messages; these helpers
// make responses and parse request bodies, rejecting unknown fields with the parser's message.
#pragma once

#include <google/protobuf/message.h>

#include <string>

#include "common/result.h"
#include "manager/net/transport.h"

namespace corral::manager::api {

HttpResponse json_response(int status, const google::protobuf::Message& message);
HttpResponse error_response(int status, const std::string& reason, const std::string& message);
// Maps a Status to an HTTP error (not_found 404, invalid_argument 400, ...).
HttpResponse status_response(const Status& status);
Status parse_json_body(const std::string& body, google::protobuf::Message* message);

}  // namespace corral::manager::api
