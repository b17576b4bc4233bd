#!/usr/bin/env bash
# Installs what pdlab needs to build, test and benchmark, from Debian 12 packages.
# Idempotent and quiet: when everything is present it prints nothing and installs nothing.
set -euo pipefail

packages=(
  build-essential cmake ccache pkg-config
  libcli11-dev libtomlplusplus-dev librandom123-dev libtbb-dev
  libsqlite3-dev libfmt-dev zlib1g-dev libeigen3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  sqlite3 python3 python3-numpy python3-scipy
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "pdlab setup: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >/dev/null
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
