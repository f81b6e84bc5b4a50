#!/usr/bin/env bash
# Corral developer entry point. Works as root on a fresh Debian 12 machine and is safe to re-run.
#
#   scripts/dev.sh run    install what is missing, build, start the dev stack (manager + agents)
#   scripts/dev.sh test   install what is missing, build, run every test (unit, integration, fuzz)
#
# Environment: BUILD_DIR (default build), JOBS (default: nproc), AGENTS (dev stack size, default 1),
# DEV_STACK_ONCE=1 (run: stop once the agents are shown connected instead of serving until Ctrl-C).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
JOBS=${JOBS:-$(nproc)}

# Every Debian package the build, the tests and the dev stack need.
PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl procps iproute2
  libssl-dev libsqlite3-dev libprotobuf-dev protobuf-compiler libboost-dev
  libwebsockets-dev libwebsockets-evlib-ev libev-dev libyaml-cpp-dev libcurl4-openssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libcli11-dev zsh
  clang libclang-rt-14-dev
)

log() { printf '==> %s\n' "$*" >&2; }

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  if [[ $(id -u) -ne 0 ]]; then
    echo "missing Debian packages: ${missing[*]} (run as root, or install them first)" >&2
    exit 1
  fi
  log "installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {
  log "building in $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCORRAL_WERROR=ON >/dev/null
  cmake --build "$BUILD_DIR" -j "$JOBS"
}

# libFuzzer needs clang: a separate build of only the fuzz targets, each run for a fixed count.
fuzz_smoke() {
  local dir="$BUILD_DIR-fuzz"
  log "building fuzz targets with clang in $dir"
  CC=clang CXX=clang++ cmake -S "$ROOT" -B "$dir" -G Ninja -DCORRAL_FUZZ=ON -DCORRAL_BUILD_BENCH=OFF >/dev/null
  cmake --build "$dir" -j "$JOBS" --target corral_fuzz_targets
  ctest --test-dir "$dir" -L fuzz --output-on-failure -j "$JOBS"
}

run_tests() {
  log "running the test suite"
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS" --timeout 600
  fuzz_smoke
}

case "${1:-}" in
  run)
    install_packages
    build
    exec "$ROOT/scripts/dev-stack.sh" "$BUILD_DIR"
    ;;
  test)
    install_packages
    build
    run_tests
    ;;
  *)
    sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
