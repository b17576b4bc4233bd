#!/usr/bin/env bash
# Installs this build of pdlab into a temporary prefix, builds tests/consumer against it with
# find_package(pdlab), and runs the consumer on a shipped scenario.
# Usage: consumer_test.sh BUILD_DIR SOURCE_DIR CXX_COMPILER "CXX_FLAGS"
set -eu
build=${1:?build dir}; src=${2:?source dir}; cxx=${3:?compiler}; flags=${4-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pdlab-consumer.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log"
test -f "$tmp/prefix/include/pdlab/study/study.hpp"
test -f "$tmp/prefix/include/pdlab/version.hpp"
test -f "$tmp/prefix/lib/cmake/pdlab/pdlabConfig.cmake"
cmake -S "$src/tests/consumer" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_BUILD_TYPE=Release \
  >"$tmp/configure.log" || { cat "$tmp/configure.log"; exit 1; }
cmake --build "$tmp/build" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 1; }
"$tmp/build/consumer" "$src/scenarios/examples/toy_pilot.toml"
