#!/usr/bin/env bash
# tests/peers/vcsim.sh start and stop as CI or a developer runs them, twice in one directory: the
# second start finds the first run's log (with its ready line) and must report its own simulator.
#
#   vcsim_peer_test.sh VCSIM_SH DIR BIN
set -euo pipefail
vcsim=$1 dir=$2 bin=$3

# Whatever fails, nothing this test started keeps running.
trap '"$vcsim" stop "$dir"' EXIT

for run in 1 2; do
  line=$("$vcsim" start "$dir" "$bin")
  echo "run $run: $line"
  pid=$(cat "$dir/vcsim.pid")
  [[ $line == "vcsim ready url=https://127.0.0.1:"*" pid=$pid" ]] ||
    { echo "run $run: the ready line is not that of the simulator started (pid $pid)" >&2; exit 1; }
  kill -0 "$pid" || { echo "run $run: simulator $pid is not running" >&2; exit 1; }
  "$vcsim" stop "$dir"
  [[ ! -e $dir/vcsim.pid ]] || { echo "run $run: stop left vcsim.pid" >&2; exit 1; }
  if kill -0 "$pid" 2>/dev/null; then
    echo "run $run: simulator $pid still runs after stop" >&2
    exit 1
  fi
done
