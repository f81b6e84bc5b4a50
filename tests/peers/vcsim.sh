#!/usr/bin/env bash
# govmomi's vCenter simulator on loopback, for the tests of plugins/vsphere
# (tests/peers/vcsim/main.go, built from Debian's golang-github-vmware-govmomi-dev).
#
#   vcsim.sh build OUT        build the simulator into OUT without the network (GOPATH mode on
#                             Debian's Go tree, the Go build cache next to OUT)
#   vcsim.sh start DIR [BIN]  start BIN (default DIR/../corral-vcsim) on 127.0.0.1, port 0, wait for
#                             it to serve and print its one line:
#                             "vcsim ready url=https://127.0.0.1:PORT/sdk thumbprint=.. cert=DIR/cert.pem pid=N"
#                             (N the simulator it started; a DIR used before is fine once stopped)
#   vcsim.sh stop DIR         stop the simulator started in DIR (by the pid it wrote) and wait for it
#
# The tests start the binary themselves (its standard input is their pipe to it: when a test dies,
# the simulator goes too); start/stop are for running the simulator by hand or from CI scripts.
set -euo pipefail

READY_TIMEOUT=${VCSIM_READY_TIMEOUT:-60}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() {
  echo "vcsim: $*" >&2
  exit 1
}

build() {
  local out=$1
  command -v go >/dev/null || die "go not found (Debian package golang-go)"
  [[ -d /usr/share/gocode/src/github.com/vmware/govmomi/simulator ]] ||
    die "govmomi's simulator not found (Debian package golang-github-vmware-govmomi-dev)"
  local cache
  cache="$(dirname "$out")/go-cache"
  mkdir -p "$cache"
  # GOPATH mode on the Debian tree: no module download, no proxy, no checksum database.
  (cd "$HERE/vcsim" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$cache" GOFLAGS='' GOPROXY=off \
    CGO_ENABLED=0 go build -o "$out" .)
}

start() {
  local dir=$1 bin=${2:-}
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [[ -n $bin ]] || bin="$dir/../corral-vcsim"
  [[ -x $bin ]] || die "$bin is not built (cmake --build BUILD --target corral_vcsim)"
  if [[ -e $dir/vcsim.pid ]]; then
    # A run that was killed before its stop leaves the file: only a live simulator is in the way.
    kill -0 "$(cat "$dir/vcsim.pid")" 2>/dev/null && die "$dir already holds a started simulator (vcsim.pid)"
    rm -f "$dir/vcsim.pid"
  fi
  # The log of an earlier run holds its ready line. The child's own redirection would empty the
  # file only once it runs, after this shell may already have read the old line: so the file is
  # emptied here, the child appends, and only the line naming the child's pid counts as ready.
  : >"$dir/vcsim.log"
  setsid "$bin" -watch-stdin=false -cert "$dir/cert.pem" </dev/null >>"$dir/vcsim.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/vcsim.pid"
  local ready="^vcsim ready .* pid=$pid\$"
  local waited=0
  until grep -q "$ready" "$dir/vcsim.log"; do
    kill -0 "$pid" 2>/dev/null || die "the simulator exited before serving, see $dir/vcsim.log"
    ((waited < READY_TIMEOUT * 10)) || {
      stop "$dir"
      die "the simulator did not serve in ${READY_TIMEOUT}s, see $dir/vcsim.log"
    }
    waited=$((waited + 1))
    sleep 0.1 # a poll interval: readiness itself is the line the simulator prints
  done
  grep "$ready" "$dir/vcsim.log"
}

stop() {
  local dir=$1
  [[ -e $dir/vcsim.pid ]] || return 0
  local pid
  pid=$(cat "$dir/vcsim.pid")
  if kill "$pid" 2>/dev/null; then
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$dir/vcsim.pid"
}

case ${1:-} in
  build) [[ $# -eq 2 ]] || die "usage: vcsim.sh build OUT"; build "$2" ;;
  start) [[ $# -ge 2 ]] || die "usage: vcsim.sh start DIR [BIN]"; start "$2" "${3:-}" ;;
  stop) [[ $# -eq 2 ]] || die "usage: vcsim.sh stop DIR"; stop "$2" ;;
  *) die "usage: vcsim.sh build OUT | start DIR [BIN] | stop DIR" ;;
esac
