#include "common/result.h"

#include <cstdlib>

#include "common/log.h"

namespace corral {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::ok: return "ok";
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::already_exists: return "already_exists";
    case ErrorCode::permission_denied: return "permission_denied";
    case ErrorCode::unauthenticated: return "unauthenticated";
    case ErrorCode::failed_precondition: return "failed_precondition";
    case ErrorCode::resource_exhausted: return "resource_exhausted";
    case ErrorCode::unavailable: return "unavailable";
    case ErrorCode::internal: return "internal";
  }
  return "unknown";
}

namespace detail {

void value_of_error(const Status& status) {
  log::error_before_abort(
      "result.value_of_error",
      {{"error", status.to_string()}, {"hint", "Result::value() called without checking ok(); aborting"}});
  std::abort();
}

}  // namespace detail

std::string Status::to_string() const {
  if (ok()) return "ok";
  return std::string(error_code_name(code_)) + ": " + message_;
}

}  // namespace corral
