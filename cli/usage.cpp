#include "cli/usage.h"

namespace corral::cli {

const char* client_version() { return CORRAL_VERSION; }

std::string usage_text() {
  return R"(corralctl: manage a Corral fleet through the manager's REST API.

Usage:
  corralctl [global flags] agents list
  corralctl [global flags] agents show ID
  corralctl [global flags] agents revoke ID
  corralctl [global flags] agents command ID drain|undrain|shutdown
  corralctl [global flags] agents command ID set-max-sessions N
  corralctl [global flags] agents command ID logoff SESSION_ID
  corralctl [global flags] join-token create [--ttl SECONDS] [--label KEY=VALUE]...
                                             [--server-id ID] [--description TEXT]
  corralctl [global flags] plugins list
  corralctl [global flags] provider-configs list
  corralctl [global flags] provider-configs show ID|NAME
  corralctl [global flags] provider-configs create --file FILE|-
  corralctl [global flags] provider-configs update ID --file FILE|-
  corralctl [global flags] provider-configs delete ID
  corralctl [global flags] version
  corralctl help | --help

Global flags:
  --server URL        the manager's API listener, https://HOST:PORT     (env CORRAL_SERVER)
  --token-file FILE   file holding the admin token                     (env CORRAL_TOKEN_FILE)
  --token TOKEN       the admin token itself; visible to other local users
                      in the process list, so prefer --token-file       (env CORRAL_TOKEN)
  --ca-cert FILE      trust only this CA (PEM) for the manager's certificate;
                      default: the system trust store                   (env CORRAL_CA_CERT)
  --config FILE       config file; default $XDG_CONFIG_HOME/corral/corralctl.yaml
                      or ~/.config/corral/corralctl.yaml
  --json              print the API's JSON instead of tables

A provider config file is the API's JSON: {"name": ..., "plugin": ..., "config": {...},
"startupScriptTemplate": ..., "maxInstances": N}. Secrets show as "[redacted]"; send
"[redacted]" in an update to keep a stored secret.

Each setting comes from its flag, else its environment variable, else the config file
(keys: server, token_file, token, ca_cert; relative paths are relative to the file).

Exit status: 0 success, 1 API or transport error, 2 usage or configuration error.
)";
}

}  // namespace corral::cli
