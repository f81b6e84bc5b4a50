// The REST API's JSON is the protobuf JSON mapping of the corral.api.v1 messages; these helpers
// make responses and parse request bodies, rejecting unknown fields with the parser's message.
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <string_view>

#include "common/result.h"
#include "manager/net/transport.h"

namespace corral::manager::api {

HttpResponse json_response(int status, const google::protobuf::Message& message);
HttpResponse error_response(int status, const std::string& reason, const std::string& message);
// Maps a Status to an HTTP error (not_found 404, invalid_argument 400, ...).
HttpResponse status_response(const Status& status);
// Nesting deeper than this is refused before any parser sees the body: protobuf's JSON parser
// takes time quadratic in the depth of nested lists (a 200 KB body held the core for minutes), and
// its own recursion limit refuses objects nested about 34 deep inside a Struct with a message that
// does not say why. 32 levels is far more than any request body of this API needs.
inline constexpr size_t kMaxJsonDepth = 32;

// invalid_argument when arrays and objects nest deeper than `max_depth`; one linear pass that
// knows strings and escapes, and nothing else about JSON (the parser checks the rest).
Status check_json_depth(std::string_view text, size_t max_depth = kMaxJsonDepth);

// Depth-checked, then parsed; unknown fields are an error naming them. An empty body leaves
// `message` as it is.
Status parse_json_body(const std::string& body, google::protobuf::Message* message);

}  // namespace corral::manager::api
