// A plugin written against the bare C ABI whose table is broken on request, to check what the
// loader does with it. CORRAL_TEST_PROBE_MODE, read by the entry function:
//   ok              a working plugin named "probe" (Describe only; other methods answer nothing)
//   entry_fails     the entry function returns CORRAL_ERR_INTERNAL
//   short_table     the table's struct_size is 16 (any call into it aborts)
//   no_invoke       the table has no invoke function (any call into it aborts)
//   describe_fails  Describe returns CORRAL_ERR_INTERNAL "describe is broken"
// With CORRAL_TEST_PROBE_MARKER=PATH every shutdown call appends "shutdown" to PATH.
#include <boost/dll/alias.hpp>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "corral/plugin_abi.h"
#include "corral/provider/v1/provider.pb.h"

namespace {

corral_status give(const std::string& bytes, corral_status status, uint8_t** out, size_t* out_len) {
  *out = static_cast<uint8_t*>(std::malloc(bytes.size() + 1));
  std::memcpy(*out, bytes.data(), bytes.size());
  *out_len = bytes.size();
  return status;
}

bool g_describe_fails = false;

corral_status invoke(void*, const corral_call*, corral_method method, const uint8_t*, size_t, uint8_t** out,
                     size_t* out_len) {
  if (method != CORRAL_METHOD_DESCRIBE) return give("", CORRAL_OK, out, out_len);
  if (g_describe_fails) return give("describe is broken", CORRAL_ERR_INTERNAL, out, out_len);
  corral::provider::v1::DescribeResponse d;
  d.set_name("probe");
  d.set_version("0.1");
  return give(d.SerializeAsString(), CORRAL_OK, out, out_len);
}

void shutdown(void*) {
  if (const char* marker = std::getenv("CORRAL_TEST_PROBE_MARKER"))
    std::ofstream(marker, std::ios::app) << "shutdown\n";
}

corral_plugin_v1 g_table = {CORRAL_PLUGIN_ABI_MAJOR,
                            CORRAL_PLUGIN_ABI_MINOR,
                            sizeof(corral_plugin_v1),
                            0u,
                            nullptr,
                            &invoke,
                            [](void*, uint8_t* data, size_t) { std::free(data); },
                            &shutdown};

corral_status entry(const corral_host_v1*, const corral_plugin_v1** out) {
  const char* env = std::getenv("CORRAL_TEST_PROBE_MODE");
  std::string mode = env ? env : "ok";
  *out = &g_table;
  g_describe_fails = mode == "describe_fails";
  if (mode == "entry_fails") {
    *out = nullptr;
    return CORRAL_ERR_INTERNAL;
  }
  if (mode == "short_table" || mode == "no_invoke") {
    static corral_plugin_v1 broken = g_table;
    broken.invoke = [](void*, const corral_call*, corral_method, const uint8_t*, size_t, uint8_t**,
                       size_t*) -> corral_status { std::abort(); };
    broken.free_buffer = [](void*, uint8_t*, size_t) { std::abort(); };
    broken.shutdown = [](void*) { std::abort(); };
    if (mode == "short_table") broken.struct_size = 16;
    if (mode == "no_invoke") broken.invoke = nullptr;
    *out = &broken;
  }
  return CORRAL_OK;
}

}  // namespace

BOOST_DLL_ALIAS(entry, corral_provider_plugin_v1)
