// The startup-script templates the AWS plugin suggests: a bash one for Linux and a PowerShell one
// for Windows, each installing the agent from {agent_download_url} and enrolling it with
// {join_token}. They are published in the config schema ($defs, as "default" annotations) for
// operators and UIs to start from, and printed in docs/providers/aws.md; the manager renders the
// provider config's own template, so these are used only when an operator copies them.
#pragma once

namespace corral::aws {

extern const char* const kDefaultLinuxTemplate;
extern const char* const kDefaultWindowsTemplate;

}  // namespace corral::aws
