#include "cli/api_error.h"

#include <nlohmann/json.hpp>

#include "cli/terminal_text.h"

namespace corral::cli {
namespace {

using nlohmann::json;

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

std::string string_at(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// uint32 counts; the JSON mapping writes them as numbers, but a string is accepted too.
uint64_t count_at(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return 0;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_string()) {
    try {
      return std::stoull(it->get<std::string>());
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

// Violations are listed unless the manager's message already quotes each one ("the provider
// config has 2 problems: /a: x; /b: y"), so nothing is printed twice.
std::string violation_lines(const json& body, const std::string& message) {
  auto list = body.find("fieldViolations");
  if (list == body.end() || !list->is_array()) return "";
  std::string lines;
  bool all_quoted = true;
  for (const auto& v : *list) {
    if (!v.is_object()) continue;
    std::string path = string_at(v, "path");
    std::string text = (path.empty() ? std::string("(body)") : path) + ": " + string_at(v, "message");
    if (message.find(text) == std::string::npos) all_quoted = false;
    lines += "\n  " + visible(text);
  }
  return all_quoted ? "" : lines;
}

// 503 pool_full: the counts say whether waiting helps (servers provisioning) or not.
std::string pool_status_lines(const json& body) {
  auto status = body.find("poolStatus");
  if (status == body.end() || !status->is_object()) return "";
  uint64_t provisioning = count_at(*status, "provisioning");
  std::string out = "\n  pool " + visible(string_at(*status, "poolId")) + ": " +
                    std::to_string(count_at(*status, "ready")) + " ready, " + std::to_string(provisioning) +
                    " provisioning, " + std::to_string(count_at(*status, "draining")) + " draining";
  if (provisioning > 0) out += "\n  a server is being provisioned: try again once it is ready";
  return out;
}

}  // namespace

Status api_error(const http::Response& response) {
  json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  bool parsed = body.is_object();
  std::string message = parsed ? string_at(body, "message") : "";
  std::string reason = parsed ? string_at(body, "reason") : "";

  std::string text = message.empty() ? "the server refused the request" : visible(message);
  text += " (HTTP " + std::to_string(response.status);
  if (!reason.empty()) text += " " + visible(reason);
  text += ")";
  if (parsed) text += violation_lines(body, message) + pool_status_lines(body);
  return error(code_for_http(response.status), text);
}

}  // namespace corral::cli
