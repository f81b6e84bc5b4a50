#!/usr/bin/env bash
# The dev stack: one corral-manager with its SQLite store and AGENTS real corral-agent processes,
# all on loopback, enrolled with join tokens made through corralctl. State lives in .dev/ and is
# wiped at each start. Serves until Ctrl-C, or stops once the agents are shown connected when
# DEV_STACK_ONCE=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${1:-$ROOT/build}
STATE=${DEV_STATE_DIR:-$ROOT/.dev}
AGENTS=${AGENTS:-1}
API_PORT=${API_PORT:-8443}
AGENT_PORT=${AGENT_PORT:-8444}

MANAGER=$BUILD_DIR/manager/corral-manager
AGENT=$BUILD_DIR/agent/corral-agent
CTL=$BUILD_DIR/cli/corralctl

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$STATE"
mkdir -p "$STATE"

echo "starting corral-manager (API 127.0.0.1:$API_PORT, agents 127.0.0.1:$AGENT_PORT); log: $STATE/manager.log"
"$MANAGER" --data-dir "$STATE/manager" --api-listen "127.0.0.1:$API_PORT" \
  --agent-listen "127.0.0.1:$AGENT_PORT" >"$STATE/manager.log" 2>&1 &
pids+=($!)

export CORRAL_SERVER="https://127.0.0.1:$API_PORT"
export CORRAL_TOKEN_FILE="$STATE/manager/admin.token"
export CORRAL_CA_CERT="$STATE/manager/ca.crt"

for _ in $(seq 1 100); do
  if [[ -s $CORRAL_TOKEN_FILE ]] && curl -fsS --cacert "$CORRAL_CA_CERT" "$CORRAL_SERVER/healthz" >/dev/null 2>&1; then
    break
  fi
  if ! kill -0 "${pids[0]}" 2>/dev/null; then
    echo "corral-manager exited; its log:" >&2
    cat "$STATE/manager.log" >&2
    exit 1
  fi
  sleep 0.1
done

for i in $(seq 1 "$AGENTS"); do
  token=$("$CTL" join-token create --label dev=true --description "dev stack agent $i" --json |
    sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')
  if [[ -z $token ]]; then
    echo "could not create a join token" >&2
    exit 1
  fi
  echo "starting corral-agent $i; log: $STATE/agent-$i.log"
  CORRAL_JOIN_TOKEN=$token "$AGENT" --data-dir "$STATE/agent-$i" --manager "$CORRAL_SERVER" \
    --hostname "dev-agent-$i" --max-sessions 2 --label "dev=true" >"$STATE/agent-$i.log" 2>&1 &
  pids+=($!)
done

online=0
for _ in $(seq 1 150); do
  online=$("$CTL" agents list --json | grep -c '"AGENT_STATUS_ONLINE"' || true)
  [[ $online -ge $AGENTS ]] && break
  sleep 0.2
done
"$CTL" agents list
if [[ $online -lt $AGENTS ]]; then
  echo "only $online of $AGENTS agents came online; see the logs in $STATE" >&2
  exit 1
fi
echo "dev stack up: $AGENTS agent(s) connected over mutual TLS."
echo "try: CORRAL_SERVER=$CORRAL_SERVER CORRAL_TOKEN_FILE=$CORRAL_TOKEN_FILE CORRAL_CA_CERT=$CORRAL_CA_CERT $CTL agents list"

if [[ ${DEV_STACK_ONCE:-0} == 1 ]]; then
  exit 0
fi
echo "serving; Ctrl-C stops everything."
wait "${pids[0]}"
