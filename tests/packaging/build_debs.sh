#!/usr/bin/env bash
# Fixture of the packaging tests: builds the Debian packages from the build tree's CPack config
# into OUT_DIR, as `cmake --build build --target package` would into the build tree.
#   build_debs.sh BUILD_DIR OUT_DIR
set -euo pipefail
build_dir=$1 out_dir=$2

rm -rf "$out_dir"
mkdir -p "$out_dir"
cpack -G DEB --config "$build_dir/CPackConfig.cmake" -B "$out_dir"
ls "$out_dir"/*.deb
