// The C++ way to write a provider plugin: derive from corral::sdk::Provider, implement its
// methods, and write CORRAL_EXPORT_PROVIDER(YourClass) once in one .cpp file. The macro builds
// the C tables of plugin_abi.h around the class; exceptions never leave the plugin (they become
// CORRAL_ERR_INTERNAL with the exception's message).
//
//   class MyProvider : public corral::sdk::Provider {
//    public:
//     explicit MyProvider(corral::sdk::Host host) : Provider(host) {}
//     corral::provider::v1::DescribeResponse describe() override { ... }
//     ...
//   };
//   CORRAL_EXPORT_PROVIDER(MyProvider)
#pragma once

#include <boost/dll/alias.hpp>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include "corral/plugin_abi.h"
#include "corral/provider/v1/provider.pb.h"
#include "corral/sdk/host.h"
#include "corral/sdk/json_schema.h"

namespace corral::sdk {

class Provider {
 public:
  explicit Provider(Host host) : host_(host) {}
  virtual ~Provider() = default;
  Provider(const Provider&) = delete;
  Provider& operator=(const Provider&) = delete;

  const Host& host() const { return host_; }

  // Name, version, config schema and capabilities. Called often; keep it cheap.
  virtual pv1::DescribeResponse describe() = 0;
  // Checks a config; reports every problem with the JSON Pointer of its field. The default
  // checks it against describe()'s JSON Schema; override to add checks the schema cannot express
  // (and call this one first).
  virtual pv1::ValidateConfigResponse validate_config(const pv1::ValidateConfigRequest& request, Call& call) {
    (void)call;
    pv1::ValidateConfigResponse response;
    for (auto& e : validate_json(describe().config_schema_json(), request.config().config_json())) {
      pv1::FieldError* fe = response.add_errors();
      fe->set_path(std::move(e.path));
      fe->set_message(std::move(e.message));
    }
    return response;
  }
  // Creating twice with one idempotency key must return the first VM, not a second one.
  virtual pv1::CreateVmResponse create_vm(const pv1::CreateVmRequest& request, Call& call) = 0;
  // Deleting a VM that is already gone is success (state VM_STATE_GONE).
  virtual pv1::DeleteVmResponse delete_vm(const pv1::DeleteVmRequest& request, Call& call) = 0;
  // An unknown id is not an error: return a Vm with state VM_STATE_GONE.
  virtual pv1::GetVmResponse get_vm(const pv1::GetVmRequest& request, Call& call) = 0;
  // Every VM whose tags include all of request.tags.
  virtual pv1::ListVmsResponse list_vms(const pv1::ListVmsRequest& request, Call& call) = 0;

 private:
  Host host_;
};

// Helpers to build error replies.
inline pv1::Error make_error(pv1::ErrorClass cls, std::string message, std::string field_path = {}) {
  pv1::Error e;
  e.set_class_(cls);
  e.set_message(std::move(message));
  e.set_field_path(std::move(field_path));
  return e;
}

namespace detail {

// Copies bytes into a malloc'd buffer the host frees through free_buffer.
inline corral_status give(const std::string& bytes, corral_status status, uint8_t** out, size_t* out_len) {
  *out = nullptr;
  *out_len = 0;
  if (bytes.empty()) return status;
  auto* p = static_cast<uint8_t*>(std::malloc(bytes.size()));
  if (p == nullptr) return CORRAL_ERR_INTERNAL;
  std::memcpy(p, bytes.data(), bytes.size());
  *out = p;
  *out_len = bytes.size();
  return status;
}

template <typename Req, typename Resp, typename Fn>
corral_status run(const uint8_t* in, size_t in_len, uint8_t** out, size_t* out_len, Fn&& fn) {
  Req req;
  if (in_len > static_cast<size_t>(INT32_MAX) || !req.ParseFromArray(in, static_cast<int>(in_len))) {
    return give("request does not decode as " + std::string(Req().GetTypeName()), CORRAL_ERR_INVALID_ARGUMENT, out,
                out_len);
  }
  Resp resp = fn(req);
  return give(resp.SerializeAsString(), CORRAL_OK, out, out_len);
}

template <typename T>
class Runtime {
 public:
  explicit Runtime(const corral_host_v1* host) : provider_(Host(host)), host_(host) {
    table_.abi_major = CORRAL_PLUGIN_ABI_MAJOR;
    table_.abi_minor = CORRAL_PLUGIN_ABI_MINOR;
    table_.struct_size = sizeof(corral_plugin_v1);
    table_.reserved = 0;
    table_.plugin_ctx = this;
    table_.invoke = &Runtime::invoke;
    table_.free_buffer = [](void*, uint8_t* data, size_t) { std::free(data); };
    table_.shutdown = [](void* ctx) { delete static_cast<Runtime*>(ctx); };
  }

  const corral_plugin_v1* table() const { return &table_; }

  static corral_status invoke(void* ctx, const corral_call* raw_call, corral_method method, const uint8_t* in,
                              size_t in_len, uint8_t** out, size_t* out_len) {
    if (out == nullptr || out_len == nullptr || (in == nullptr && in_len != 0)) {
      return CORRAL_ERR_INVALID_ARGUMENT;
    }
    auto* self = static_cast<Runtime*>(ctx);
    Call call(Host(self->host_), raw_call);
    T& p = self->provider_;
    try {
      switch (method) {
        case CORRAL_METHOD_DESCRIBE:
          return run<pv1::DescribeRequest, pv1::DescribeResponse>(in, in_len, out, out_len, [&](const auto&) {
            pv1::DescribeResponse r = p.describe();
            r.set_abi_minor(CORRAL_PLUGIN_ABI_MINOR);
            return r;
          });
        case CORRAL_METHOD_VALIDATE_CONFIG:
          return run<pv1::ValidateConfigRequest, pv1::ValidateConfigResponse>(
              in, in_len, out, out_len, [&](const auto& r) { return p.validate_config(r, call); });
        case CORRAL_METHOD_CREATE_VM:
          return run<pv1::CreateVmRequest, pv1::CreateVmResponse>(in, in_len, out, out_len,
                                                                  [&](const auto& r) { return p.create_vm(r, call); });
        case CORRAL_METHOD_DELETE_VM:
          return run<pv1::DeleteVmRequest, pv1::DeleteVmResponse>(in, in_len, out, out_len,
                                                                  [&](const auto& r) { return p.delete_vm(r, call); });
        case CORRAL_METHOD_GET_VM:
          return run<pv1::GetVmRequest, pv1::GetVmResponse>(in, in_len, out, out_len,
                                                            [&](const auto& r) { return p.get_vm(r, call); });
        case CORRAL_METHOD_LIST_VMS:
          return run<pv1::ListVmsRequest, pv1::ListVmsResponse>(in, in_len, out, out_len,
                                                                [&](const auto& r) { return p.list_vms(r, call); });
        default: return give("unknown method " + std::to_string(method), CORRAL_ERR_UNIMPLEMENTED, out, out_len);
      }
    } catch (const std::exception& e) {
      return give(e.what(), CORRAL_ERR_INTERNAL, out, out_len);
    } catch (...) {
      return give("unknown exception", CORRAL_ERR_INTERNAL, out, out_len);
    }
  }

  // The body of the exported entry function.
  static corral_status entry(const corral_host_v1* host, const corral_plugin_v1** plugin) {
    if (host == nullptr || plugin == nullptr) return CORRAL_ERR_INVALID_ARGUMENT;
    *plugin = nullptr;
    // A host of another major version, or one older than the minor this plugin was built
    // against, may lack services the plugin calls.
    if (host->abi_major != CORRAL_PLUGIN_ABI_MAJOR || host->abi_minor < CORRAL_PLUGIN_ABI_MINOR ||
        host->struct_size < sizeof(corral_host_v1)) {
      return CORRAL_ERR_ABI_VERSION;
    }
    try {
      auto* rt = new Runtime(host);
      *plugin = rt->table();
      return CORRAL_OK;
    } catch (...) {
      return CORRAL_ERR_INTERNAL;
    }
  }

 private:
  T provider_;
  const corral_host_v1* host_;
  corral_plugin_v1 table_{};
};

}  // namespace detail
}  // namespace corral::sdk

// Exports `ProviderClass` (constructible from corral::sdk::Host) as this library's provider.
// Write it exactly once per plugin library, at namespace scope.
#define CORRAL_EXPORT_PROVIDER(ProviderClass)                                                                   \
  namespace corral_plugin_export {                                                                              \
  extern "C" corral_status corral_provider_entry(const corral_host_v1* host, const corral_plugin_v1** plugin) { \
    return ::corral::sdk::detail::Runtime<ProviderClass>::entry(host, plugin);                                  \
  }                                                                                                             \
  }                                                                                                             \
  BOOST_DLL_ALIAS(corral_plugin_export::corral_provider_entry, corral_provider_plugin_v1)
