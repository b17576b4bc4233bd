#!/usr/bin/env bash
# Installs what pdlab needs to build, test and benchmark, from Debian 12 packages, and the
# report's chart libraries (Vega, Vega-Lite, vega-embed) from the npm registry.
# Idempotent and quiet: when everything is present it prints nothing and installs nothing.
# --test also installs Debian's chromium, with which the report test renders every chart.
# clang-14 builds the clang configuration and the fuzz targets (libclang-rt-14-dev holds
# libFuzzer and clang's sanitizer runtimes); llvm-14 brings llvm-symbolizer for stack traces.
# pybind11-dev, python3-dev, pandas and pytest build and test the Python package (python/);
# where R is installed, DBI and RSQLite for the R route (docs/python.md).
# openmpi-bin and libopenmpi-dev: distributed runs (`mpirun -n N pdlab ...`, docs/mpi.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake ccache pkg-config
  libcli11-dev libtomlplusplus-dev librandom123-dev libtbb-dev
  libsqlite3-dev libfmt-dev zlib1g-dev libeigen3-dev libboost-math-dev libnlopt-cxx-dev libxxhash-dev
  nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  sqlite3 python3 python3-numpy python3-scipy
  pybind11-dev python3-dev python3-pybind11 python3-pandas python3-pytest
  clang-14 libclang-rt-14-dev llvm-14
  openmpi-bin libopenmpi-dev
)
command -v npm >/dev/null 2>&1 || packages+=(npm)
command -v Rscript >/dev/null 2>&1 && packages+=(r-cran-dbi r-cran-rsqlite)
[ "${1:-}" = "--test" ] && packages+=(chromium)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "pdlab setup: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq >/dev/null
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Chart libraries for `pdlab report`, pinned by report/package-lock.json.
stamp="$root/report/node_modules/.pdlab-installed"
if [ ! -f "$stamp" ] || [ "$root/report/package-lock.json" -nt "$stamp" ]; then
  echo "pdlab setup: installing the report's chart libraries (npm ci in report/)" >&2
  # Reports need them; building and simulating do not: warn instead of failing.
  if npm ci --prefix "$root/report" --no-audit --no-fund --loglevel=error >/dev/null; then
    touch "$stamp"
  else
    echo "pdlab setup: warning: npm ci failed; \`pdlab report\` will not work until it succeeds" >&2
  fi
fi
