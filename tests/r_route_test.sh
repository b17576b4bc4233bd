#!/usr/bin/env bash
# The R route of docs/python.md: examples/r/read_study.R reads a study written by `pdlab run`
# with DBI + RSQLite. Skips (exit 77, shown as skipped by ctest) without Rscript or without
# those R packages (scripts/setup.sh installs r-cran-dbi and r-cran-rsqlite where R is).
set -u
PDLAB=$1
SRC=$2
if ! command -v Rscript >/dev/null 2>&1; then
  echo "SKIP: Rscript is not installed (apt-get install r-base-core r-cran-dbi r-cran-rsqlite)"
  exit 77
fi
if ! Rscript -e 'library(DBI); library(RSQLite)' >/dev/null 2>&1; then
  echo "SKIP: R has no DBI or RSQLite (apt-get install r-cran-dbi r-cran-rsqlite)"
  exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# Failed pilots (no scale-up) leave shares strictly between 0 and 1, which must match.
"$PDLAB" run "$SRC/scenarios/examples/toy_pilot.toml" --out "$T/toy.sqlite" -r 3 \
  --set promotion.pilot_success=0 >/dev/null 2>&1 ||
  { echo "FAIL: pdlab run"; exit 1; }
if ! Rscript "$SRC/examples/r/read_study.R" "$T/toy.sqlite" >"$T/out" 2>&1; then
  echo "FAIL: read_study.R"; cat "$T/out"; exit 1
fi
fails=0
# The tables, the last period's township share (as sqlite3 computes it) and the run count.
want=$(sqlite3 "$T/toy.sqlite" "SELECT printf('%s adopted by %s: %.6f', level, date, mean)
  FROM summary_time WHERE metric = 'adopted' AND level = 'township'
  AND period = (SELECT MAX(period) FROM summary_time)")
case "$want" in
  *": 0.000000" | *": 1.000000" | "") echo "FAIL: expected a share strictly inside (0, 1), got '$want'"; exit 1 ;;
esac
for pattern in '"summary_time"' "$want" 'replicates: 3'; do
  if ! grep -Eq -- "$pattern" "$T/out"; then
    echo "FAIL: read_study.R output lacks /$pattern/"; fails=$((fails + 1))
  fi
done
[ "$fails" -eq 0 ] || { cat "$T/out"; exit 1; }
echo "r_route: read_study.R read the study ($(grep -c . "$T/out") lines of output)"
