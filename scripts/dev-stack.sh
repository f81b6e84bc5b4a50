#!/usr/bin/env bash
# The dev stack: the main job, run for real on one machine. One corral-manager with its SQLite
# store, the `local` provider (its "VMs" are process trees in .dev/vms), and a demo pool whose
# autoscale config keeps 4 sessions free with 2 per server. Each VM's startup script downloads the
# agent from the manager, checks it and starts it with the VM's one-time join token; the agent
# enrolls, reports, and its server turns ready. Events are printed as they happen, with a status
# line whenever the pool changes. State lives in .dev/ and is wiped at each start. Serves until
# Ctrl-C (which also deletes the VMs), or stops once the pool is ready when DEV_STACK_ONCE=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${1:-$ROOT/build}
STATE=${DEV_STATE_DIR:-$ROOT/.dev}
API_PORT=${API_PORT:-8443}
AGENT_PORT=${AGENT_PORT:-8444}
# Ready once this many sessions are free on servers whose agent is online.
MINIMUM=${DEV_MINIMUM_SESSIONS:-4}
PER_SERVER=${DEV_SESSIONS_PER_SERVER:-2}

MANAGER=$BUILD_DIR/manager/corral-manager
AGENT=$BUILD_DIR/agent/corral-agent
CTL=$BUILD_DIR/cli/corralctl
PLUGIN_DIR=$BUILD_DIR/plugins/local

pids=()
cleanup() {
  # The manager first, so it makes no VM while the VMs go; then every VM the local provider holds.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  # (Each VM's agent runs from its VM's directory, so its command line names it.)
  pkill -TERM -f -- "$STATE/vms/" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$STATE"
mkdir -p "$STATE/downloads" "$STATE/vms"
# What the manager serves new VMs under /downloads/ (a packaged manager serves its .deb/.rpm/.msi).
cp "$AGENT" "$STATE/downloads/corral-agent-linux-amd64"

cat >"$STATE/manager.yaml" <<YAML
downloads_dir: $STATE/downloads
plugins:
  dir: $PLUGIN_DIR
  load:
    - file: corral-provider-local.so
      isolation: in_process
autoscaler:
  tick_ms: 1000
YAML

echo "starting corral-manager (API 127.0.0.1:$API_PORT, agents 127.0.0.1:$AGENT_PORT); log: $STATE/manager.log"
"$MANAGER" --data-dir "$STATE/manager" --config "$STATE/manager.yaml" --api-listen "127.0.0.1:$API_PORT" \
  --agent-listen "127.0.0.1:$AGENT_PORT" >"$STATE/manager.log" 2>&1 &
pids+=($!)

# The ports it bound (API_PORT=0 picks free ones) are in its first log lines.
port=""
for _ in $(seq 1 300); do
  port=$(sed -n 's/.*event=manager\.listening api_port=\([0-9]*\).*/\1/p' "$STATE/manager.log" | head -1)
  [[ -n $port ]] && break
  if ! kill -0 "${pids[0]}" 2>/dev/null; then
    echo "corral-manager exited; its log:" >&2
    cat "$STATE/manager.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z $port ]]; then
  echo "corral-manager did not report its ports; see $STATE/manager.log" >&2
  exit 1
fi

export CORRAL_SERVER="https://127.0.0.1:$port"
export CORRAL_TOKEN_FILE="$STATE/manager/admin.token"
export CORRAL_CA_CERT="$STATE/manager/ca.crt"
curl -fsS --retry 50 --retry-delay 0 --retry-connrefused --cacert "$CORRAL_CA_CERT" "$CORRAL_SERVER/healthz" >/dev/null

echo "setting up: provider config local-dev, pool demo, workspace desktop, autoscale config demo"
python3 - "$STATE" "$ROOT/scripts/dev-stack/vm-startup.sh.tmpl" >"$STATE/provider.json" <<'PY'
import json, sys
state, template = sys.argv[1], open(sys.argv[2]).read()
print(json.dumps({"name": "local-dev", "plugin": "local", "maxInstances": 10,
                  "config": {"state_dir": state + "/vms", "max_vms": 10, "stop_grace_ms": 3000},
                  "startupScriptTemplate": template}))
PY
"$CTL" provider-configs create --file "$STATE/provider.json" >/dev/null
"$CTL" pools create demo --type server >/dev/null
"$CTL" workspaces create desktop --pool demo >/dev/null
cat >"$STATE/autoscale.json" <<JSON
{"name": "demo", "minimumAvailableSessions": $MINIMUM, "maxSimultaneousSessionsPerServer": $PER_SERVER,
 "maxInstances": 6, "downscaleBackoffSeconds": 30, "provisionTimeoutSeconds": 120,
 "connectionType": "CONNECTION_TYPE_SSH", "connectionUsername": "dev"}
JSON
"$CTL" autoscale-configs create --file "$STATE/autoscale.json" --pool demo --provider-config local-dev >/dev/null

echo "watching the autoscaler (events as they happen; [pool] lines when the pool changes):"
"$CTL" events --follow --since 0 &
pids+=($!)

# "[pool] demo: S servers (R ready, P starting), F sessions free (minimum M), U in use"
pool_status() {
  "$CTL" --json servers list --pool demo >"$STATE/.servers.json" 2>/dev/null || return 1
  "$CTL" --json agents list >"$STATE/.agents.json" 2>/dev/null || return 1
  "$CTL" --json sessions list --pool demo >"$STATE/.sessions.json" 2>/dev/null || return 1
  python3 - "$STATE" "$MINIMUM" <<'PY'
import json, sys
state, minimum = sys.argv[1], int(sys.argv[2])
load = lambda name: json.load(open(f"{state}/.{name}.json"))
online = {a["id"] for a in load("agents").get("agents", []) if a.get("status") == "AGENT_STATUS_ONLINE"}
busy = {}
for s in load("sessions").get("sessions", []):
    if s.get("state") in ("SESSION_STATE_RESERVED", "SESSION_STATE_ACTIVE"):
        busy[s.get("serverId")] = busy.get(s.get("serverId"), 0) + 1
servers = load("servers").get("servers", [])
ready = [s for s in servers if s.get("agentId") in online and not s.get("draining")]
free = sum(max(int(s.get("maxSimultaneousSessionsPerServer", 0)) - busy.get(s["id"], 0), 0) for s in ready)
print(f"[pool] demo: {len(servers)} servers ({len(ready)} ready, {len(servers) - len(ready)} starting or leaving), "
      f"{free} sessions free (minimum {minimum}), {sum(busy.values())} in use")
sys.exit(0 if free >= minimum else 3)
PY
}

last=""
announced=0
while true; do
  if ! kill -0 "${pids[0]}" 2>/dev/null; then
    echo "corral-manager exited; see $STATE/manager.log" >&2
    exit 1
  fi
  rc=0
  line=$(pool_status) || rc=$?
  if [[ -n $line && $line != "$last" ]]; then
    echo "$line"
    last=$line
  fi
  if [[ $rc -eq 0 && $announced -eq 0 ]]; then
    announced=1
    echo "pool demo is ready: $MINIMUM sessions free on real agents over mutual TLS."
    echo "try, in another shell:"
    echo "  export CORRAL_SERVER=$CORRAL_SERVER CORRAL_TOKEN_FILE=$CORRAL_TOKEN_FILE CORRAL_CA_CERT=$CORRAL_CA_CERT"
    echo "  $CTL sessions create --workspace desktop --user alice   # and bob, carol: it scales out"
    echo "  $CTL servers list --pool demo"
    echo "  $CTL sessions end ID                                     # 30 s later it scales back in"
    if [[ ${DEV_STACK_ONCE:-0} == 1 ]]; then
      exit 0
    fi
    echo "serving; Ctrl-C stops everything and deletes the VMs."
  fi
  sleep 1
done
