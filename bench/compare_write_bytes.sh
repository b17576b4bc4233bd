#!/bin/bash
# Byte identity of studies written by two pdlab binaries, for changes to the study writer:
#   bench/compare_write_bytes.sh OLD_PDLAB NEW_PDLAB
# Both binaries are called through one symlink path (meta.command_line records argv[0]), with
# one data folder (meta.hierarchy_source records it) and SOURCE_DATE_EPOCH set (created_at).
set -eu
old=$(realpath "$1"); new=$(realpath "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
export SOURCE_DATE_EPOCH=1700000000 PDLAB_DATA_DIR="$root/data"
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
mkdir -p "$d/a" "$d/b" "$d/bin"
status=0
for sc in scenarios/cases/jiangsu-rollout.toml scenarios/examples/toy_governance.toml scenarios/national.toml; do
  ln -sf "$old" "$d/bin/pdlab"; (cd "$d/a" && "$d/bin/pdlab" run "$root/$sc" --out s.sqlite -r 3 --force >/dev/null 2>&1)
  ln -sf "$new" "$d/bin/pdlab"; (cd "$d/b" && "$d/bin/pdlab" run "$root/$sc" --out s.sqlite -r 3 --force >/dev/null 2>&1)
  if cmp -s "$d/a/s.sqlite" "$d/b/s.sqlite"; then echo "same bytes: $sc"; else echo "DIFFERENT: $sc"; status=1; fi
done
exit $status
