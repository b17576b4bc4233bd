#!/usr/bin/env bash
# Golden-file test: a small scenario's tables must match the stored files byte for byte.
# To regenerate after an intended change: bash tests/golden_test.sh PDLAB SRC --update
set -eu
PDLAB=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
G="$SRC/tests/golden"
"$PDLAB" run "$SRC/scenarios/examples/toy_pilot.toml" --out "$T/g.sqlite" --replicates 3 --seed 2018 \
  --set stages.reversal_rate=0.01 >/dev/null 2>&1
for table in adoptions summary_time; do
  "$PDLAB" export "$T/g.sqlite" --table $table > "$T/$table.csv"
  if [ "${3:-}" = "--update" ]; then
    mkdir -p "$G" && cp "$T/$table.csv" "$G/toy_pilot_$table.csv"
  else
    diff -u "$G/toy_pilot_$table.csv" "$T/$table.csv" | head -20
    cmp -s "$G/toy_pilot_$table.csv" "$T/$table.csv"
  fi
done
echo "golden: toy_pilot adoptions and summary_time match"
