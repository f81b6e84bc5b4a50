#!/usr/bin/env bash
# Corral developer entry point. Works as root on a fresh Debian 12 machine and is safe to re-run.
#
#   scripts/dev.sh run            install what is missing, build, start the dev stack (manager + agents)
#   scripts/dev.sh test [STAGE..] install what is missing, then run the test stages (default: all):
#       lint   clang-format over every tracked C++ file, clang-tidy over the .cpp files changed
#              since the tree was last found clean (scripts/lint.sh --since-clean; every file when
#              the checks changed; its compile database in BUILD_DIR-lint)
#       main   build BUILD_DIR (warnings are errors) and run every test there
#       asan   build BUILD_DIR-asan with ASan+UBSan, run every test there
#       tsan   build the threaded tests in BUILD_DIR-tsan with TSan, run `ctest -L threaded` there
#       fuzz   build the libFuzzer targets with clang in BUILD_DIR-fuzz, replay each committed
#              corpus and fuzz each target for FUZZ_SECONDS
#
# Environment: BUILD_DIR (default build), JOBS (default: nproc), FUZZ_SECONDS (default 30; 0 replays
# the corpus only), AGENTS (dev stack size, default 1), DEV_STACK_ONCE=1 (run: stop once the agents
# are shown connected instead of serving until Ctrl-C). ASAN_OPTIONS, UBSAN_OPTIONS, LSAN_OPTIONS and
# TSAN_OPTIONS are added after the stages' own, so yours win.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}

# Every Debian package the build, the tests and the dev stack need.
PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl procps iproute2
  openssl python3  # the dev stack: its VMs check the manager's CA; it reads corralctl's JSON
  libssl-dev libsqlite3-dev libprotobuf-dev protobuf-compiler libboost-dev
  libwebsockets-dev libwebsockets-evlib-ev libev-dev libyaml-cpp-dev libcurl4-openssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libcli11-dev zsh
  clang libclang-rt-14-dev clang-format clang-tidy
  libhowardhinnant-date-dev tzdata  # autoscale schedules: IANA time zones from the system database
  libpugixml-dev python3-botocore  # the AWS plugin: XML answers; an independent SigV4 in its tests
  file systemd  # packaging: cpack reads binaries with file(1); tests run systemd-sysusers
  libldap-dev  # manager/directory: computer records in Active Directory
  samba samba-ad-dc samba-ad-provision ldap-utils krb5-user winbind  # tests/peers/samba_ad.sh
  golang-go golang-github-vmware-govmomi-dev  # tests/peers/vcsim: govmomi's vCenter simulator
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

# The main, asan and tsan stages compile the test targets in unity batches (CORRAL_UNITY_BUILD,
# docs/development.md "CI time"): a clean tree builds in 40% less CPU time. `run` leaves the tree's
# setting as it is (off unless a test stage configured the tree).
build() {
  log "building in $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCORRAL_WERROR=ON "$@" >/dev/null
  cmake --build "$BUILD_DIR" -j "$JOBS"
}

# Stage bookkeeping: a stage whose tests fail is recorded and the next stage still runs, so one run
# shows every finding; a build that fails stops the run. The summary gives each stage's time.
failed=()
timings=()
stage_started=0
begin_stage() {
  stage_started=$SECONDS
  log "$*"
}
end_stage() {
  local name=$1 rc=$2 took=$((SECONDS - stage_started))
  timings+=("$(printf '%-6s %3dm%02ds  %s' "$name" $((took / 60)) $((took % 60)) "$( ((rc == 0)) && echo passed || echo FAILED)")")
  ((rc == 0)) || failed+=("$name")
}
run_ctest() {
  local rc=0
  ctest --output-on-failure -j "$JOBS" --timeout 600 "$@" || rc=$?
  return "$rc"
}

stage_lint() {
  local rc=0
  begin_stage "stage lint: clang-format over the whole tree, clang-tidy over what changed since it was clean"
  LINT_BUILD_DIR="$BUILD_DIR-lint" JOBS="$JOBS" "$ROOT/scripts/lint.sh" --since-clean || rc=$?
  end_stage lint "$rc"
}

stage_main() {
  begin_stage "stage main: build $BUILD_DIR (-DCORRAL_WERROR=ON) and run every test"
  build -DCORRAL_UNITY_BUILD=ON
  log "main: running the test suite (unit, integration, fuzz corpus replay)"
  local rc=0
  run_ctest --test-dir "$BUILD_DIR" || rc=$?
  end_stage main "$rc"
}

# Options every sanitizer stage runs with: stop at the first report, with a stack. The manager
# hands them on to its plugin hosts (docs/plugin-abi.md).
sanitizer_env() {
  export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
  export LSAN_OPTIONS="suppressions=$ROOT/tests/sanitizers/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$ROOT/tests/sanitizers/tsan.supp${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
}

# Sanitizer trees skip the benchmarks; CMake compiles them at -O1 -g1 (cmake/CorralOptions.cmake).
configure_sanitized() {
  local dir=$1 sanitize=$2
  cmake -S "$ROOT" -B "$dir" -G Ninja -DCORRAL_WERROR=ON -DCORRAL_SANITIZE="$sanitize" -DCORRAL_BUILD_BENCH=OFF \
    -DCORRAL_UNITY_BUILD=ON >/dev/null
}

stage_asan() {
  local dir="$BUILD_DIR-asan" rc=0
  begin_stage "stage asan: build $dir with AddressSanitizer + UndefinedBehaviorSanitizer"
  configure_sanitized "$dir" address,undefined
  cmake --build "$dir" -j "$JOBS"
  log "asan: running every test under ASan + UBSan (halt on the first report)"
  (sanitizer_env && run_ctest --test-dir "$dir") || rc=$?
  end_stage asan "$rc"
}

# TSan runs the tests labelled `threaded` (tests/CMakeLists.txt): those that start threads or
# multi-threaded processes. Only they and what they start are built.
stage_tsan() {
  local dir="$BUILD_DIR-tsan" rc=0
  begin_stage "stage tsan: build the threaded tests in $dir with ThreadSanitizer"
  configure_sanitized "$dir" thread
  cmake --build "$dir" -j "$JOBS" --target corral_threaded_tests
  log "tsan: running the tests labelled 'threaded' under TSan (halt on the first report)"
  (sanitizer_env && run_ctest --test-dir "$dir" -L threaded) || rc=$?
  end_stage tsan "$rc"
}

# libFuzzer needs clang: a separate build of only the fuzz targets. Each target replays its
# committed corpus, then fuzzes for FUZZ_SECONDS (tests/fuzz/run_fuzzer.cmake); the targets run
# JOBS at a time.
stage_fuzz() {
  local dir="$BUILD_DIR-fuzz" rc=0
  begin_stage "stage fuzz: build the fuzz targets with clang in $dir; ${FUZZ_SECONDS}s of fuzzing per target"
  CC=clang CXX=clang++ cmake -S "$ROOT" -B "$dir" -G Ninja -DCORRAL_FUZZ=ON -DCORRAL_BUILD_BENCH=OFF \
    -DCORRAL_FUZZ_SECONDS="$FUZZ_SECONDS" >/dev/null
  cmake --build "$dir" -j "$JOBS" --target corral_fuzz_targets
  log "fuzz: replaying the committed corpora, then fuzzing each target for ${FUZZ_SECONDS}s"
  run_ctest --test-dir "$dir" -L fuzz || rc=$?
  end_stage fuzz "$rc"
}

run_tests() {
  local stages=("$@") started=$SECONDS
  ((${#stages[@]})) || stages=(lint main asan tsan fuzz)
  for stage in "${stages[@]}"; do
    case "$stage" in
      lint | main | asan | tsan | fuzz) "stage_$stage" ;;
      *) echo "unknown test stage '$stage' (lint, main, asan, tsan, fuzz)" >&2; exit 2 ;;
    esac
  done
  local took=$((SECONDS - started))
  log "test stages done in $((took / 60))m$((took % 60))s:"
  printf '    %s\n' "${timings[@]}" >&2
  if ((${#failed[@]})); then
    log "FAILED: ${failed[*]}"
    return 1
  fi
}

case "${1:-}" in
  run)
    install_packages
    build
    exec "$ROOT/scripts/dev-stack.sh" "$BUILD_DIR"
    ;;
  test)
    shift
    install_packages
    run_tests "$@"
    ;;
  *)
    sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
