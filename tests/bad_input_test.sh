#!/usr/bin/env bash
# Runs the bad-input corpus (tests/bad_inputs/cases.txt): every case must fail with its exit
# code and message and leave no output behind.
set -u
PDLAB=$1
SRC=$2
D="$SRC/tests/bad_inputs"
EX="$SRC/scenarios/examples"
T=$(mktemp -d "${TMPDIR:-/tmp}/pdlab-bad-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
passes=0
while IFS='|' read -r name want pattern args; do
  case "$name" in '#'* | '') continue ;; esac
  rm -rf "$T/w" && mkdir "$T/w"
  OUT="$T/w/out.csv"
  case "$args" in *--out*sqlite*) ;; run*) OUT="$T/w/out.sqlite" ;; esac
  eval "set -- $args"
  "$PDLAB" "$@" >"$T/stdout" 2>"$T/stderr"
  got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: exit $got, want $want"; head -c 1500 "$T/stderr"; fails=$((fails + 1)); continue
  fi
  if ! grep -qF -- "$pattern" "$T/stderr" "$T/stdout"; then
    echo "FAIL $name: message lacks '$pattern'"; head -c 1500 "$T/stderr"; fails=$((fails + 1)); continue
  fi
  if [ -n "$(ls -A "$T/w")" ]; then
    echo "FAIL $name: left $(ls -A "$T/w")"; fails=$((fails + 1)); continue
  fi
  passes=$((passes + 1))
done < "$D/cases.txt"
# Inputs that are odd but valid are not refused, and never reach an internal error.
"$PDLAB" eha "$D/factor_subnormal.csv" --formula "event ~ factor(g)" >"$T/stdout" 2>"$T/stderr"
if [ $? = 0 ] && grep -q "factor(g)2" "$T/stdout"; then passes=$((passes + 1)); else
  echo "FAIL factor_subnormal_level"; cat "$T/stderr"; fails=$((fails + 1)); fi
"$PDLAB" infer "$D/comma_node.csv" --params 0.5 --out "$T/edges.csv" 2>"$T/stderr"
if python3 -c "
import csv, sys
rows = list(csv.reader(open('$T/edges.csv')))
sys.exit(0 if all(len(r) == len(rows[0]) for r in rows) and any('Washington, DC' in r for r in rows) else 1)"; then
  passes=$((passes + 1)); else echo "FAIL infer_quotes_names"; cat "$T/edges.csv"; fails=$((fails + 1)); fi
echo "bad inputs: $passes passed, $fails failed"
[ "$fails" = 0 ]
