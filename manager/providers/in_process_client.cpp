#include "manager/providers/in_process_client.h"

#include "manager/providers/call_error.h"

namespace corral::manager::providers {

Result<std::unique_ptr<InProcessClient>> InProcessClient::start(std::shared_ptr<boost::dll::shared_library> library,
                                                                std::unique_ptr<HostServices> host,
                                                                const corral_plugin_v1* table,
                                                                const std::string& file) {
  std::unique_ptr<InProcessClient> c(new InProcessClient(std::move(library), std::move(host), table, file));
  // From here on the destructor calls shutdown, whatever Describe does.
  pv1::DescribeRequest request;
  Result<std::string> bytes = c->invoke(CORRAL_METHOD_DESCRIBE, request.SerializeAsString(), CallOptions{});
  if (!bytes.ok()) {
    return error(ErrorCode::failed_precondition, "plugin " + file + ": Describe failed: " + bytes.status().message());
  }
  if (!c->description_.ParseFromString(*bytes)) {
    return error(ErrorCode::failed_precondition,
                 "plugin " + file + ": Describe answered something that is not a DescribeResponse");
  }
  if (c->description_.name().empty()) {
    return error(ErrorCode::failed_precondition, "plugin " + file + ": Describe gave no name");
  }
  c->host_->set_plugin_name(c->description_.name());
  return c;
}

InProcessClient::~InProcessClient() { table_->shutdown(table_->plugin_ctx); }

InProcessClient::RawReply InProcessClient::invoke_raw(corral_method method, const std::string& request,
                                                      const corral_call& call) {
  uint8_t* out = nullptr;
  size_t out_len = 0;
  RawReply reply;
  reply.status = table_->invoke(table_->plugin_ctx, &call, method, reinterpret_cast<const uint8_t*>(request.data()),
                                request.size(), &out, &out_len);
  if (out != nullptr) {
    reply.bytes.assign(reinterpret_cast<const char*>(out), out_len);
    table_->free_buffer(table_->plugin_ctx, out, out_len);
  }
  return reply;
}

Result<std::string> InProcessClient::invoke(corral_method method, const std::string& request,
                                            const CallOptions& options) {
  corral_call call;
  call.deadline_ms = monotonic_ms() + options.timeout.count();
  call.cancelled = options.cancelled.get();
  RawReply reply = invoke_raw(method, request, call);
  if (reply.status != CORRAL_OK) {
    return call_error(description_.name().empty() ? file_ : description_.name(), method, reply.status, reply.bytes);
  }
  return std::move(reply.bytes);
}

}  // namespace corral::manager::providers
