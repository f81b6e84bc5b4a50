// A plugin built for a future major ABI: its table says 2.0. The loader must refuse it before
// calling anything in the table (every function here aborts to prove it).
#include <boost/dll/alias.hpp>
#include <cstdlib>

#include "corral/plugin_abi.h"

namespace {

corral_plugin_v1 table = {2u,
                          0u,
                          sizeof(corral_plugin_v1),
                          0u,
                          nullptr,
                          [](void*, const corral_call*, corral_method, const uint8_t*, size_t, uint8_t**,
                             size_t*) -> corral_status { std::abort(); },
                          [](void*, uint8_t*, size_t) { std::abort(); },
                          [](void*) { std::abort(); }};

corral_status entry(const corral_host_v1*, const corral_plugin_v1** out) {
  *out = &table;
  return CORRAL_OK;
}

}  // namespace

BOOST_DLL_ALIAS(entry, corral_provider_plugin_v1)
