#include <google/protobuf/util/json_util.h>

#include "corral/api/v1/api.pb.h"
#include "manager/api/json.h"
#include "manager/api/routes.h"
#include "manager/providers/provider_registry.h"

namespace corral::manager::api {

void add_plugin_routes(Router& router, const providers::ProviderRegistry& providers) {
  router.add("GET", "/api/v1/plugins", Access::admin, [&providers](const ApiRequest&) {
    corral::api::v1::ListPluginsResponse out;
    for (const auto& [name, entry] : providers.entries()) {
      const auto& d = entry.client->description();
      corral::api::v1::Plugin* p = out.add_plugins();
      p->set_name(name);
      p->set_version(d.version());
      p->set_file(entry.file);
      p->set_isolation(entry.isolation);
      // The plugin's schema was checked at load by the SDK validator's rules only when used; an
      // unparsable one is shown as absent rather than failing the listing.
      (void)google::protobuf::util::JsonStringToMessage(d.config_schema_json(), p->mutable_config_schema());
      for (int os : d.capabilities().os_types()) {
        p->add_os_types(os == corral::provider::v1::OS_TYPE_WINDOWS ? "windows" : "linux");
      }
      p->set_zones(d.capabilities().zones());
      for (const auto& v : d.capabilities().template_variables()) p->add_template_variables(v);
    }
    return json_response(200, out);
  });
}

}  // namespace corral::manager::api
