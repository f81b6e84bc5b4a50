#include "cli/api_error.h"

#include <google/protobuf/util/json_util.h>

#include "corral/api/v1/api.pb.h"

namespace corral::cli {
namespace {

ErrorCode code_for_http(long status) {
  switch (status) {
    case 400: return ErrorCode::invalid_argument;
    case 401: return ErrorCode::unauthenticated;
    case 403: return ErrorCode::permission_denied;
    case 404: return ErrorCode::not_found;
    case 409: return ErrorCode::already_exists;
    case 412: return ErrorCode::failed_precondition;
    case 429: return ErrorCode::resource_exhausted;
    case 502:
    case 503:
    case 504: return ErrorCode::unavailable;
    default: return ErrorCode::internal;
  }
}

}  // namespace

Status api_error(const http::Response& response) {
  api::v1::Error body;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  bool parsed = google::protobuf::util::JsonStringToMessage(response.body, &body, options).ok();

  std::string message = parsed && !body.message().empty() ? body.message() : "the server refused the request";
  std::string suffix = " (HTTP " + std::to_string(response.status);
  if (parsed && !body.reason().empty()) suffix += " " + body.reason();
  suffix += ")";
  return error(code_for_http(response.status), message + suffix);
}

}  // namespace corral::cli
