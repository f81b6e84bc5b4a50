#include "manager/providers/call_error.h"

namespace corral::manager::providers {

std::string method_name(corral_method m) {
  const char* name = corral_method_name(m);
  return name != nullptr ? name : "method " + std::to_string(m);
}

std::string status_name(corral_status s) {
  const char* name = corral_status_name(s);
  return name != nullptr ? name : "status " + std::to_string(s);
}

Status call_error(const std::string& plugin, corral_method method, corral_status status,
                  const std::string& explanation) {
  // A plugin's explanation is for a person; a megabyte of it is a bug, not more information.
  constexpr size_t kMaxExplanation = 2000;
  std::string why = explanation.size() > kMaxExplanation ? explanation.substr(0, kMaxExplanation) + "... (" +
                                                               std::to_string(explanation.size()) + " bytes)"
                                                         : explanation;
  bool retry_later =
      status == CORRAL_ERR_UNAVAILABLE || status == CORRAL_ERR_DEADLINE || status == CORRAL_ERR_CANCELLED;
  return error(
      retry_later ? ErrorCode::unavailable : ErrorCode::internal,
      "plugin '" + plugin + "' " + method_name(method) + ": " + status_name(status) + (why.empty() ? "" : ": " + why));
}

}  // namespace corral::manager::providers
