#include "manager/providers/in_process_client.h"

namespace corral::manager::providers {

std::string method_name(corral_method m) {
  switch (m) {
    case CORRAL_METHOD_DESCRIBE: return "Describe";
    case CORRAL_METHOD_VALIDATE_CONFIG: return "ValidateConfig";
    case CORRAL_METHOD_CREATE_VM: return "CreateVm";
    case CORRAL_METHOD_DELETE_VM: return "DeleteVm";
    case CORRAL_METHOD_GET_VM: return "GetVm";
    case CORRAL_METHOD_LIST_VMS: return "ListVms";
    default: return "method " + std::to_string(m);
  }
}

std::string status_name(corral_status s) {
  switch (s) {
    case CORRAL_OK: return "OK";
    case CORRAL_ERR_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case CORRAL_ERR_UNIMPLEMENTED: return "UNIMPLEMENTED";
    case CORRAL_ERR_INTERNAL: return "INTERNAL";
    case CORRAL_ERR_CANCELLED: return "CANCELLED";
    case CORRAL_ERR_DEADLINE: return "DEADLINE";
    case CORRAL_ERR_ABI_VERSION: return "ABI_VERSION";
    case CORRAL_ERR_UNAVAILABLE: return "UNAVAILABLE";
    default: return "status " + std::to_string(s);
  }
}

Result<std::unique_ptr<InProcessClient>> InProcessClient::start(std::shared_ptr<boost::dll::shared_library> library,
                                                                std::unique_ptr<HostServices> host,
                                                                const corral_plugin_v1* table, std::string file) {
  std::unique_ptr<InProcessClient> c(new InProcessClient(std::move(library), std::move(host), table, file));
  pv1::DescribeRequest request;
  Result<std::string> bytes = c->invoke(CORRAL_METHOD_DESCRIBE, request.SerializeAsString(), CallOptions{});
  if (!bytes.ok()) return bytes.status();
  if (!c->description_.ParseFromString(*bytes) || c->description_.name().empty()) {
    return error(ErrorCode::failed_precondition, "plugin " + file + ": Describe gave no usable answer");
  }
  c->host_->set_plugin_name(c->description_.name());
  return c;
}

InProcessClient::~InProcessClient() { table_->shutdown(table_->plugin_ctx); }

Result<std::string> InProcessClient::invoke(corral_method method, const std::string& request,
                                            const CallOptions& options) {
  corral_call call;
  call.deadline_ms = monotonic_ms() + options.timeout.count();
  call.cancelled = options.cancelled.get();
  uint8_t* out = nullptr;
  size_t out_len = 0;
  corral_status s = table_->invoke(table_->plugin_ctx, &call, method, reinterpret_cast<const uint8_t*>(request.data()),
                                   request.size(), &out, &out_len);
  std::string bytes;
  if (out != nullptr) {
    bytes.assign(reinterpret_cast<const char*>(out), out_len);
    table_->free_buffer(table_->plugin_ctx, out, out_len);
  }
  if (s != CORRAL_OK) {
    std::string name = description_.name().empty() ? file_ : description_.name();
    return error(s == CORRAL_ERR_UNAVAILABLE ? ErrorCode::unavailable : ErrorCode::internal,
                 "plugin '" + name + "' " + method_name(method) + ": " + status_name(s) +
                     (bytes.empty() ? "" : ": " + bytes));
  }
  return bytes;
}

}  // namespace corral::manager::providers
