#include "plugins/aws/default_templates.h"

namespace corral::aws {

// Debian/Ubuntu AMIs: the agent's .deb as docs/packaging.md installs it, the join token in the
// unit's environment file (mode 0600), then the service. cloud-init runs this as root once.
const char* const kDefaultLinuxTemplate = R"(#!/bin/bash
# Corral agent bootstrap (default Linux template of the aws provider).
set -euo pipefail
hostnamectl set-hostname '{server_hostname}' || true
tmp=$(mktemp -d)
curl -fsSL --retry 10 --retry-connrefused -o "$tmp/corral-agent.deb" '{agent_download_url}'
DEBIAN_FRONTEND=noninteractive apt-get install -y "$tmp/corral-agent.deb"
rm -rf "$tmp"
install -d /etc/corral
(umask 077 && cat >/etc/corral/agent.env <<'ENV'
CORRAL_JOIN_TOKEN={join_token}
CORRAL_AGENT_ARGS=--manager {manager_url}
ENV
)
systemctl enable --now corral-agent
# An autoscale config with an AD computer record: join the domain as this VM's own pre-created
# account with its one-time password (docs/active-directory.md). Empty otherwise.
if [ -n '{ad_join_credential}' ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y realmd sssd sssd-tools adcli
  realm join --one-time-password='{ad_join_credential}' '{domain}'
fi
)";

// Windows AMIs: EC2Launch runs the user data's <powershell> block (the plugin adds the tags) as
// SYSTEM once. The archive holds corral-agent.exe; the token goes to a file only SYSTEM and
// Administrators can read, and the agent runs as a service.
const char* const kDefaultWindowsTemplate = R"($ErrorActionPreference = 'Stop'
# Corral agent bootstrap (default Windows template of the aws provider).
$dir = 'C:\Program Files\Corral'
$data = 'C:\ProgramData\Corral'
New-Item -ItemType Directory -Force -Path $dir, $data | Out-Null
icacls $data /inheritance:r /grant:r 'SYSTEM:(OI)(CI)F' 'Administrators:(OI)(CI)F' | Out-Null
[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12
Invoke-WebRequest -UseBasicParsing -Uri '{agent_download_url}' -OutFile "$env:TEMP\corral-agent.zip"
Expand-Archive -Force -Path "$env:TEMP\corral-agent.zip" -DestinationPath $dir
Remove-Item "$env:TEMP\corral-agent.zip"
Set-Content -NoNewline -Path "$data\join-token" -Value '{join_token}'
New-Service -Name corral-agent -DisplayName 'Corral agent' -StartupType Automatic `
  -BinaryPathName ('"' + $dir + '\corral-agent.exe" --data-dir "' + $data + '" --manager {manager_url} --join-token-file "' + $data + '\join-token"')
# An autoscale config with an AD computer record: rename and join the domain in one step as this
# VM's own pre-created account with its one-time password (docs/active-directory.md).
$joinPassword = '{ad_join_credential}'
if ($joinPassword) {{
  $credential = New-Object System.Management.Automation.PSCredential('unused', (ConvertTo-SecureString $joinPassword -AsPlainText -Force))
  Add-Computer -DomainName '{domain}' -NewName '{server_hostname}' -Credential $credential `
    -Options UnsecuredJoin,PasswordPass,JoinWithNewName -Force -Restart
}} else {{
  Rename-Computer -NewName '{server_hostname}' -Force -Restart
}}
)";

}  // namespace corral::aws
