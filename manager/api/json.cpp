#include "manager/api/json.h"

#include <google/protobuf/util/json_util.h>

#include "corral/api/v1/api.pb.h"

namespace corral::manager::api {

HttpResponse json_response(int status, const google::protobuf::Message& message) {
  HttpResponse r;
  r.status = status;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  auto s = google::protobuf::util::MessageToJsonString(message, &r.body, options);
  if (!s.ok()) return error_response(500, "internal", "cannot encode the response");
  r.body.push_back('\n');
  return r;
}

HttpResponse error_response(int status, const std::string& reason, const std::string& message) {
  corral::api::v1::Error e;
  e.set_code(status);
  e.set_reason(reason);
  e.set_message(message);
  HttpResponse r;
  r.status = status;
  (void)google::protobuf::util::MessageToJsonString(e, &r.body);
  r.body.push_back('\n');
  return r;
}

HttpResponse status_response(const Status& status) {
  switch (status.code()) {
    case ErrorCode::invalid_argument: return error_response(400, "invalid_argument", status.message());
    case ErrorCode::unauthenticated: return error_response(401, "unauthenticated", status.message());
    case ErrorCode::permission_denied: return error_response(403, "permission_denied", status.message());
    case ErrorCode::not_found: return error_response(404, "not_found", status.message());
    case ErrorCode::already_exists: return error_response(409, "already_exists", status.message());
    case ErrorCode::failed_precondition: return error_response(409, "failed_precondition", status.message());
    case ErrorCode::resource_exhausted: return error_response(429, "resource_exhausted", status.message());
    case ErrorCode::unavailable: return error_response(503, "unavailable", status.message());
    default: return error_response(500, "internal", status.message());
  }
}

Status check_json_depth(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return error(ErrorCode::invalid_argument, "invalid JSON body: nested deeper than " + std::to_string(max_depth) +
                                                      " levels (at byte " + std::to_string(i) + ")");
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return {};
}

Status parse_json_body(const std::string& body, google::protobuf::Message* message) {
  if (body.empty()) return {};
  if (Status s = check_json_depth(body); !s.ok()) return s;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto s = google::protobuf::util::JsonStringToMessage(body, message, options);
  if (!s.ok()) return error(ErrorCode::invalid_argument, "invalid JSON body: " + std::string(s.message()));
  return {};
}

}  // namespace corral::manager::api
