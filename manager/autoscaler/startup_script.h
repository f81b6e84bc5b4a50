// The startup script of one autoscaled VM: the provider config's template rendered with the values
// of that VM (docs/autoscaling.md, "Startup scripts"). The reconcile loop renders before it calls
// the provider, so a template that cannot be rendered never reaches one; saving a provider config
// checks its template against the same variable table (manager/api/provider_config_check.cpp).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "manager/store/broker_records.h"

namespace corral::autoscaler {

// What the manager knows about the VM being created. Passwords, the AD credential and the join
// token are secrets: they go into the script and nowhere else (no Status, no log line).
struct StartupScriptValues {
  std::string connection_username;
  std::string connection_password;  // secret
  std::string ad_join_credential;   // secret; empty when the config makes no AD record
  std::string domain;               // empty when the config makes no AD record
  std::string server_id;
  std::string server_hostname;
  std::string manager_url;
  std::string join_token;  // secret
  std::string agent_download_url;
  // Docker agent pools only.
  std::string provider_name;
  std::string zone;  // the config's deployment zone; may be empty
};

// Where the manager serves agent packages and binaries on its API listener, without
// authentication (manager/api/download_routes.cpp), and so what `{agent_download_url}` is: the
// manager's URL followed by this path. "https://corral.example.net:8443/" gives
// "https://corral.example.net:8443/downloads/"; a file is that followed by its name.
inline constexpr char kDownloadsPath[] = "/downloads/";
std::string agent_download_url(std::string_view manager_url);

// The manager's variables a template of a pool of `type` may use, in the order docs list them.
const std::vector<std::string>& template_variables(store::PoolType type);
// Those of either pool type: what a provider config's template may use when it is saved, since
// autoscale configs of both pool types may use one provider config.
std::set<std::string> all_template_variables();

// Renders `template_text` for a VM of a pool of `type`. `plugin_variables` are the provider
// plugin's own (Describe capabilities.template_variables): the plugin fills them in, so they are
// left as `{name}` in the script it receives. Errors (invalid_argument for the template's faults,
// failed_precondition for a value the caller did not supply) give every problem with its line and
// column, never a value:
//   - the template does not parse;
//   - it uses a variable pools of `type` do not offer (`{zone}` in a server pool's script);
//   - it uses a variable whose value is empty and must not be (server id, hostname, manager URL,
//     join token, agent download URL, provider name).
Result<std::string> render_startup_script(std::string_view template_text, store::PoolType type,
                                          const StartupScriptValues& values,
                                          const std::set<std::string>& plugin_variables = {});

}  // namespace corral::autoscaler
