#!/usr/bin/env bash
# Corral's linters: clang-format (.clang-format) and clang-tidy (.clang-tidy).
#
#   scripts/lint.sh                  formatting of every tracked C++ file, clang-tidy on the .cpp
#                                    files changed against BASE (default: main)
#   scripts/lint.sh --all            formatting, and clang-tidy on every .cpp file it covers
#   scripts/lint.sh --format         formatting only        scripts/lint.sh --tidy [--all]  clang-tidy only
#   scripts/lint.sh --base REF       clang-tidy on the files changed against REF
#   scripts/lint.sh --since-clean    clang-tidy on the files changed since the commit named in
#                                    scripts/tidy-clean-at, the last one `--all` found clean; on
#                                    every file when a .clang-tidy or this script changed since,
#                                    or when that commit is not in the clone's history
#
# clang-tidy covers agent/ cli/ common/ manager/ plugins/ sdk/ (headers through the .cpp files that
# include them). It needs a compile database made by clang: the script configures one in
# LINT_BUILD_DIR (default build-lint) and generates the protobuf headers there, nothing else.
# Environment: LINT_BUILD_DIR, JOBS (default: nproc), BASE. Exits non-zero on any finding.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LINT_BUILD_DIR=${LINT_BUILD_DIR:-$ROOT/build-lint}
JOBS=${JOBS:-$(nproc)}
BASE=${BASE:-main}
TIDY_DIRS=(agent cli common manager plugins sdk)

log() { printf '==> %s\n' "$*" >&2; }
usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2; }

do_format=1 do_tidy=1 all=0 since_clean=0
while (($#)); do
  case "$1" in
    --all) all=1 ;;
    --since-clean) since_clean=1 ;;
    --format) do_tidy=0 ;;
    --tidy) do_format=0 ;;
    --base) BASE=${2:?--base needs a git ref}; shift ;;
    *) usage ;;
  esac
  shift
done

need() {
  command -v "$1" >/dev/null || { echo "$1 is missing: scripts/dev.sh installs it (Debian package $2)" >&2; exit 1; }
}

cd "$ROOT"
status=0

# The whole tree takes clang-tidy a quarter of CI's time, and a file that has not changed since it
# was found clean has nothing new to say unless the checks changed (docs/development.md, "Linters").
if ((since_clean && !all)); then
  clean_at=$(sed -n 's/^\([0-9a-f]\{40\}\)$/\1/p' scripts/tidy-clean-at 2>/dev/null | head -n 1)
  if [[ -z $clean_at ]] || ! git cat-file -e "$clean_at^{commit}" 2>/dev/null; then
    log "clang-tidy: the commit in scripts/tidy-clean-at is not in this clone's history: every file"
    all=1
  elif [[ -n $(git diff --name-only "$clean_at" -- '*.clang-tidy' scripts/lint.sh) ]]; then
    log "clang-tidy: a .clang-tidy or scripts/lint.sh changed since $clean_at: every file"
    all=1
  else
    BASE=$clean_at
  fi
fi

if ((do_format)); then
  need clang-format clang-format
  mapfile -t files < <(git ls-files '*.c' '*.cc' '*.cpp' '*.h' '*.hpp')
  log "clang-format: checking ${#files[@]} tracked C++ files against .clang-format"
  # One file a process so a file that fails is named even when another one is unreadable.
  if ! printf '%s\0' "${files[@]}" | xargs -0 -P "$JOBS" -n 16 clang-format --dry-run -Werror; then
    echo "formatting differs from .clang-format: run clang-format -i on the files named above" >&2
    status=1
  fi
fi

if ((do_tidy)); then
  need clang-tidy clang-tidy
  need clang++ clang
  if ((all)); then
    mapfile -t files < <(git ls-files "${TIDY_DIRS[@]/%//*.cpp}")
    what="every .cpp file under ${TIDY_DIRS[*]}"
  else
    git rev-parse --verify -q "$BASE^{commit}" >/dev/null || { echo "no git ref '$BASE' (use --base REF or --all)" >&2; exit 2; }
    # A changed header is checked through the .cpp file beside it, when there is one.
    mapfile -t files < <(
      git diff --name-only --diff-filter=d "$(git merge-base "$BASE" HEAD)" -- "${TIDY_DIRS[@]}" |
        sed -n 's/\.h$/.cpp/; /\.cpp$/p' | sort -u | while read -r f; do [[ -f $f ]] && echo "$f"; done)
    what="the .cpp files changed against $BASE"
  fi
  if ((${#files[@]} == 0)); then
    log "clang-tidy: nothing to check ($what)"
  else
    log "clang-tidy: configuring a clang compile database in $LINT_BUILD_DIR"
    CC=clang CXX=clang++ cmake -S "$ROOT" -B "$LINT_BUILD_DIR" -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
      -DCORRAL_BUILD_BENCH=OFF >/dev/null
    # The sources include generated protobuf headers; make those and nothing else.
    mapfile -t generated < <(ninja -C "$LINT_BUILD_DIR" -t targets all | sed -n 's/^\([^:]*\.pb\.h\): .*/\1/p')
    ninja -C "$LINT_BUILD_DIR" "${generated[@]}" >/dev/null
    log "clang-tidy: ${#files[@]} files ($what), $JOBS at a time"
    # One clang-tidy a file, its output printed whole when it ends so files do not interleave.
    # shellcheck disable=SC2016
    if ! printf '%s\0' "${files[@]}" | xargs -0 -P "$JOBS" -n 1 sh -c '
        out=$(clang-tidy -p "$0" --quiet --warnings-as-errors="*" "$1" 2>&1); rc=$?
        printf "%s\n" "$out" | grep -v "^[0-9]* warnings\? \(and [0-9]* errors\? \)\?generated\.$" || true
        exit $rc' "$LINT_BUILD_DIR"; then
      echo "clang-tidy found problems (above)" >&2
      status=1
    fi
  fi
fi

exit "$status"
