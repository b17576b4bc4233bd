#!/usr/bin/env bash
# Golden files of the governance layer under restructuring (toy_restructure: local governments
# merged, split, born and ceasing, every module and feedback on). Adoptions must match byte for
# byte; governance_time and governance_unit_time within golden_compare.py's tolerance (the
# vector width changes last bits between CPU kinds). Usage: PDLAB SRC [--update]
set -eu
PDLAB=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
G="$SRC/tests/golden"
"$PDLAB" run "$SRC/scenarios/examples/toy_restructure.toml" --out "$T/g.sqlite" --replicates 2 \
  --seed 2018 --set assessment.enabled=true --set coproduction.enabled=true \
  --set services.enabled=true --set stability.enabled=true --set feedback.need=true \
  --set feedback.escalation=true --set feedback.reversal=true --set feedback.pilot_evaluation=true \
  --set feedback.learning=true --set output.unit_time_every=6 >/dev/null 2>&1
status=0
for table in adoptions governance_time governance_unit_time; do
  "$PDLAB" export "$T/g.sqlite" --table $table > "$T/$table.csv"
  golden="$G/toy_restructure_governance_$table.csv"
  if [ "${3:-}" = "--update" ]; then
    mkdir -p "$G" && cp "$T/$table.csv" "$golden"
  elif [ $table = adoptions ]; then
    diff -u "$golden" "$T/$table.csv" | head -20
    cmp -s "$golden" "$T/$table.csv" || status=1
  else
    python3 "$SRC/tests/golden_compare.py" "$golden" "$T/$table.csv" || status=1
  fi
done
[ $status -eq 0 ] && echo "golden: toy_restructure with governance matches"
exit $status
