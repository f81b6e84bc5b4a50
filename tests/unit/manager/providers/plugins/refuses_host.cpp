// A plugin that needs a newer host than this one and says so from its entry function.
#include <boost/dll/alias.hpp>

#include "corral/plugin_abi.h"

namespace {

corral_status entry(const corral_host_v1* host, const corral_plugin_v1** out) {
  *out = nullptr;
  return host->abi_minor < 99 ? CORRAL_ERR_ABI_VERSION : CORRAL_ERR_INTERNAL;
}

}  // namespace

BOOST_DLL_ALIAS(entry, corral_provider_plugin_v1)
