# shellcheck shell=bash
# Helpers for the packaging tests: sourced, never run. Every test works in a temp directory of its
# own and reads the packages tests/packaging/build_debs.sh made.

set -euo pipefail

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# deb_of NAME: the path of package NAME's .deb in DEBS_DIR (the build_debs.sh output).
deb_of() {
    local matches=("$DEBS_DIR/$1"_*.deb)
    [[ -f ${matches[0]} ]] || fail "no $1 package in $DEBS_DIR (did packaging.build_debs run?)"
    echo "${matches[0]}"
}

# expect_line TEXT PATTERN WHAT: fails, naming WHAT and showing TEXT, unless a line matches PATTERN
# (grep -E).
expect_line() {
    grep -qE -- "$2" <<<"$1" || fail "$3; expected a line matching '$2' in:"$'\n'"$1"
}

expect_no_line() {
    ! grep -qE -- "$2" <<<"$1" || fail "$3; found a line matching '$2' in:"$'\n'"$1"
}

# A temp directory removed when the test exits.
make_work_dir() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/corral-packaging.XXXXXX")
    trap 'rm -rf "$WORK"' EXIT
}
