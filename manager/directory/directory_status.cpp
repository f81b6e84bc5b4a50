#include "manager/directory/directory_status.h"

namespace corral::manager::directory {

const char* directory_step_name(DirectoryStep step) {
  switch (step) {
    case DirectoryStep::none: return "none";
    case DirectoryStep::config: return "config";
    case DirectoryStep::dns: return "dns";
    case DirectoryStep::tcp: return "tcp";
    case DirectoryStep::tls: return "tls";
    case DirectoryStep::bind: return "bind";
    case DirectoryStep::search: return "search";
    case DirectoryStep::add: return "add";
    case DirectoryStep::modify: return "modify";
    case DirectoryStep::remove: return "delete";
  }
  return "unknown";
}

Status DirectoryStatus::to_status() const {
  if (ok()) return Status::ok_status();
  ErrorCode code = ErrorCode::unavailable;
  switch (step_) {
    case DirectoryStep::config: code = ErrorCode::invalid_argument; break;
    case DirectoryStep::bind: code = ErrorCode::unauthenticated; break;
    case DirectoryStep::dns:
    case DirectoryStep::tcp:
    case DirectoryStep::tls: code = ErrorCode::unavailable; break;
    default: code = ErrorCode::failed_precondition; break;
  }
  return {code, message_};
}

}  // namespace corral::manager::directory
