#!/usr/bin/env bash
# The HTML report: self-contained, every chart rendered without errors in a real browser
# (Debian's chromium, headless). Skips (exit 77, shown as skipped by ctest) without chromium;
# `make test` installs it through scripts/setup.sh --test.
set -u
PDLAB=$1
SRC=$2
# Without the chart libraries (scripts/setup.sh installs them with npm ci) there is no
# report to test: skip rather than fail.
if [ ! -f "${PDLAB_REPORT_ASSETS:-$SRC/report/node_modules}/vega/build/vega.min.js" ]; then
  echo "SKIP: the chart libraries are not installed (run scripts/setup.sh, which runs npm ci in report/)"
  exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
expect() {  # expect NAME CODE PATTERN -- command...
  local name=$1 want=$2 pattern=$3
  shift 4
  "$@" >"$T/out" 2>"$T/err"
  local got=$?
  if [ "$got" != "$want" ] || { [ -n "$pattern" ] && ! grep -q -- "$pattern" "$T/out" "$T/err"; }; then
    echo "FAIL $name: exit $got (want $want)"; cat "$T/out" "$T/err"; fails=$((fails + 1))
  fi
}
"$PDLAB" run "$SRC/scenarios/examples/toy_governance.toml" --out "$T/g.sqlite" -r 5 >/dev/null 2>&1
"$PDLAB" run "$SRC/scenarios/cases/haicang.toml" --out "$T/h.sqlite" -r 5 >/dev/null 2>&1
"$PDLAB" run "$SRC/scenarios/examples/toy_pilot.toml" --out "$T/p.sqlite" -r 3 >/dev/null 2>&1
# The map: Jiangsu (a province, township-level policy) and the whole country, 20 replicates.
"$PDLAB" run "$SRC/scenarios/cases/jiangsu-rollout.toml" --out "$T/js.sqlite" -r 3 >/dev/null 2>&1
"$PDLAB" run "$SRC/scenarios/national.toml" --out "$T/nat.sqlite" -r 20 >/dev/null 2>&1
map_js=$(zcat "$SRC/data/china/map_counties.topojson.gz" | grep -o '"id":"32[0-9]*"' | wc -l)
map_all=$(zcat "$SRC/data/china/map_counties.topojson.gz" | grep -o '"id":"[0-9]*"' | wc -l)
expect report_map_jiangsu 0 "map of $map_js counties" -- "$PDLAB" report "$T/js.sqlite" --out "$T/js.html"
expect report_map_national 0 "map of $map_all counties" -- "$PDLAB" report "$T/nat.sqlite" --out "$T/nat.html"
# Calibration targets drawn against a study (the CSV `pdlab calibrate` reads): regional and
# whole-level shares with bands, the targets as diamonds.
expect report_targets 0 "(17 charts" -- "$PDLAB" report "$T/js.sqlite" --out "$T/jt.html" \
  --targets "$SRC/scenarios/cases/jiangsu-rollout-targets.csv"
grep -q '"targets"' "$T/jt.html" || { echo "FAIL report_targets_chart"; fails=$((fails + 1)); }
# Units that reverse and adopt again (hundreds in the Jiangsu roll-out) count once in every
# share adopted: the quota and replicate lines, the icicle and the map stay within [0, 1]
# (they reached 1.5 and 106% counting each adoption).
python3 - "$T/js.sqlite" "$T/js.html" "$T/jt.html" <<'PY' || fails=$((fails + 1))
import re, sqlite3, sys
again = sqlite3.connect(sys.argv[1]).execute(
    "SELECT COUNT(*) FROM (SELECT 1 FROM adoptions GROUP BY replicate, policy_id, unit_id "
    "HAVING COUNT(*) > 1)").fetchone()[0]
if again == 0:
    sys.exit("FAIL report_readoptions: the study has no unit adopting twice, nothing is tested")
for path in sys.argv[2:]:
    page = open(path, encoding="utf-8").read()
    shares = [float(x) for x in re.findall(r'"share":\s*(-?[0-9.eE+-]+)', page)]
    percents = [float(x) for a in re.findall(r'"s":\s*\[([^\]]*)\]', page)
                for x in a.split(",") if x.strip() not in ("", "null")]
    if not shares or not percents or max(shares) > 1 + 1e-9 or max(percents) > 100:
        sys.exit(f"FAIL report_readoptions: {path}: largest share {max(shares, default=None)}, "
                 f"largest map percentage {max(percents, default=None)}")
PY
# A malformed targets file names its file, line and field, and nothing is written.
printf 'level,region,date,share\ntownship,3201,2014-12,0.5\ntownship,3201,2014-12,1.5\n' >"$T/bad_share.csv"
printf 'level,region,date,share\ntownshp,3201,2014-12,0.5\n' >"$T/bad_level.csv"
printf 'level,region,date,share\ntownship,9999,2014-12,0.5\n' >"$T/bad_region.csv"
printf 'level,region,date,share\ntownship,3201,2014-13,0.5\n' >"$T/bad_date.csv"
printf 'level,region,share\ntownship,3201,0.5\n' >"$T/bad_column.csv"
printf 'level,region,date,share\ntownship,3201,2014-12,0.5\ntownship,3201,2007-12,0.1\n' >"$T/bad_early.csv"
printf 'level,region,date,share\ntownship,3201,2030-12,0.5\n' >"$T/bad_late.csv"
printf 'level,region,date,share,value\ntownship,3201,2014-12,0.5,0.5\n' >"$T/bad_both.csv"
expect report_targets_bad_share 65 "bad_share.csv:3.*share" -- "$PDLAB" report "$T/js.sqlite" --out "$T/t1.html" --targets "$T/bad_share.csv"
expect report_targets_bad_level 65 "bad_level.csv:2.*level" -- "$PDLAB" report "$T/js.sqlite" --out "$T/t1.html" --targets "$T/bad_level.csv"
expect report_targets_bad_region 65 "bad_region.csv:2.*region" -- "$PDLAB" report "$T/js.sqlite" --out "$T/t1.html" --targets "$T/bad_region.csv"
expect report_targets_bad_date 65 "bad_date.csv:2.*date" -- "$PDLAB" report "$T/js.sqlite" --out "$T/t1.html" --targets "$T/bad_date.csv"
expect report_targets_bad_column 65 "bad_column.csv:1.*date" -- "$PDLAB" report "$T/js.sqlite" --out "$T/t1.html" --targets "$T/bad_column.csv"
expect report_targets_before_calendar 65 "bad_early.csv:3: field 'date' = '2007-12': before the study's calendar, which runs from 2008-01 to 2017-12" -- "$PDLAB" report "$T/js.sqlite" --out "$T/t1.html" --targets "$T/bad_early.csv"
expect report_targets_after_calendar 65 "bad_late.csv:2: field 'date' = '2030-12': after the study's calendar, which runs from 2008-01 to 2017-12" -- "$PDLAB" report "$T/js.sqlite" --out "$T/t1.html" --targets "$T/bad_late.csv"
expect report_targets_share_and_value 65 "bad_both.csv:1.*both a share and a value column" -- "$PDLAB" report "$T/js.sqlite" --out "$T/t1.html" --targets "$T/bad_both.csv"
[ -e "$T/t1.html" ] && { echo "FAIL report_targets_nothing_written"; fails=$((fails + 1)); }
size=$(stat -c %s "$T/nat.html")
[ "$size" -le 5000000 ] || { echo "FAIL report_national_size: $size bytes > 5 MB"; fails=$((fails + 1)); }
expect report_governance 0 "(14 charts)" -- "$PDLAB" report "$T/g.sqlite" --out "$T/g.html"
expect report_case 0 "(13 charts)" -- "$PDLAB" report "$T/h.sqlite" --out "$T/h.html"
expect report_adoption_only 0 "(6 charts)" -- "$PDLAB" report "$T/p.sqlite" --out "$T/p.html"
grep -q 'No map: ' "$T/p.html" || { echo "FAIL report_no_map_note"; fails=$((fails + 1)); }
expect report_exists 73 "force" -- "$PDLAB" report "$T/g.sqlite" --out "$T/g.html"
expect report_missing 66 "not found" -- "$PDLAB" report "$T/none.sqlite" --out "$T/x.html"
"$PDLAB" compare "$SRC/scenarios/examples/toy_governance.toml" --vary stability.budget=20000,80000 -r 2 --out "$T/c.sqlite" >/dev/null 2>&1
# compare's output gets its own report: forest plot of the paired differences, the means, and
# from compare_time curves per variant (adoption by level, governance metrics).
expect report_compare 0 "(4 charts)" -- "$PDLAB" report "$T/c.sqlite" --out "$T/c.html"
expect report_targets_not_study 64 "not one" -- "$PDLAB" report "$T/c.sqlite" --out "$T/t2.html" --targets "$SRC/scenarios/cases/jiangsu-rollout-targets.csv"
grep -q '"variants_governance"' "$T/c.html" || { echo "FAIL report_compare_curves"; fails=$((fails + 1)); }
# check-fit's and calibrate's .sqlite outputs: observed (targets) against simulated with bands.
DC="$SRC/examples/dual_carbon"
"$PDLAB" fit "$DC/dual_carbon.toml" --events "$DC/events.csv" --static migrant_share,urban_share \
  --level prefecture --out "$T/fitted.toml" >/dev/null 2>&1
"$PDLAB" check-fit "$T/fitted.toml" --events "$DC/events.csv" -r 10 --out "$T/cf.sqlite" >/dev/null 2>&1
# compare's forest plot draws the 95% t interval of the mean (thick) and the 2.5-97.5% spread
# of the paired differences (thin); under drawn parameters its caption reads the whisker, not the
# Monte Carlo interval, against zero (it called a difference whose interval missed zero
# "distinguishable from none" whatever the draws).
"$PDLAB" compare "$T/fitted.toml" --set uncertainty.draw=true --vary adoption.gamma_vertical=0,1 -r 6 \
  --out "$T/cd.sqlite" >/dev/null 2>&1
expect report_compare_drawn 0 "charts" -- "$PDLAB" report "$T/cd.sqlite" --out "$T/cd.html"
for want in "thin whisker: the 2.5%–97.5% range of the paired differences" \
  "so the whisker is what carries their estimation uncertainty" \
  "only where its whisker stays clear of the dashed zero line" '"field":"diff_q025"'; do
  grep -qF -- "$want" "$T/cd.html" || { echo "FAIL report_compare_drawn_caption: $want"; fails=$((fails + 1)); }
done
grep -q "not distinguishable from none" "$T/cd.html" "$T/c.html" &&
  { echo "FAIL report_compare_zero_line_claim"; fails=$((fails + 1)); }
grep -qF "so the whisker is the run-to-run variation of one realisation" "$T/c.html" ||
  { echo "FAIL report_compare_fixed_caption"; fails=$((fails + 1)); }
expect report_check_fit 0 "(1 chart)" -- "$PDLAB" report "$T/cf.sqlite" --out "$T/cf.html"
"$PDLAB" calibrate "$SRC/tests/data/toy_calibrate.toml" --targets "$SRC/tests/data/toy_calibrate_targets.csv" \
  --report "$T/cal.sqlite" >/dev/null 2>&1
expect report_calibrate 0 "(1 chart)" -- "$PDLAB" report "$T/cal.sqlite" --out "$T/cal.html"
# A point fit's report: where it came from and the fitted values above the chart; its axis says
# what the targets are (shares adopted here; a governance metric's name and unit for metric
# targets, which were drawn as "share adopted").
grep -q "Scenario [^<]* · seed [0-9]* · [0-9]* replicates · pdlab .* · command: .*--report $T/cal.sqlite" "$T/cal.html" ||
  { echo "FAIL report_calibrate_provenance"; fails=$((fails + 1)); }
grep -q "Fitted: [a-z_]* = " "$T/cal.html" || { echo "FAIL report_calibrate_fitted"; fails=$((fails + 1)); }
grep -q '"share adopted"' "$T/cal.html" || { echo "FAIL report_calibrate_share_axis"; fails=$((fails + 1)); }
printf 'level,date,value,metric\ntownship,2015-06,0.2,participation_migrant\n' >"$T/metric_targets.csv"
"$PDLAB" calibrate "$SRC/scenarios/examples/toy_governance.toml" --targets "$T/metric_targets.csv" -t 1 \
  --set 'calibrate.free=[{name="pi",keys=["coproduction.intercept"],lo=-5.0,hi=1.0,start=-2.0}]' \
  --set calibrate.starts=1 --set calibrate.max_evaluations=10 --set calibrate.replicates=2 \
  --set calibrate.validation_replicates=4 --report "$T/calm.sqlite" >/dev/null 2>&1
expect report_calibrate_metric 0 "(1 chart)" -- "$PDLAB" report "$T/calm.sqlite" --out "$T/calm.html"
grep -q '"title": *"Participation of migrants (share (0-1))"' "$T/calm.html" ||
  { echo "FAIL report_calibrate_metric_axis"; fails=$((fails + 1)); }
grep -q 'share adopted\|the share due by its date' "$T/calm.html" &&
  { echo "FAIL report_calibrate_metric_not_share"; fails=$((fails + 1)); }
# ABC calibration's three outputs and a Sobol sensitivity analysis get their own pages.
"$PDLAB" calibrate "$SRC/tests/data/toy_calibrate.toml" --targets "$SRC/tests/data/toy_calibrate_targets.csv" \
  --method abc --particles 40 --generations 2 --draws 10 --report "$T/abcp.sqlite" \
  --posterior "$T/abcs.sqlite" --summary "$T/abcm.sqlite" >/dev/null 2>&1
expect report_abc_predictive 0 "(1 chart)" -- "$PDLAB" report "$T/abcp.sqlite" --out "$T/abcp.html"
expect report_abc_posterior 0 "(1 chart)" -- "$PDLAB" report "$T/abcs.sqlite" --out "$T/abcs.html"
expect report_abc_summary 0 "(1 chart)" -- "$PDLAB" report "$T/abcm.sqlite" --out "$T/abcm.html"
sed "s|^path = \"toy_hierarchy.csv\"|path = \"$SRC/scenarios/examples/toy_hierarchy.csv\"|" "$SRC/scenarios/examples/toy_pilot.toml" >"$T/sens.toml"
"$PDLAB" sensitivity "$T/sens.toml" --factor vertical.pilot=0:2 --factor promotion.pilot_success=0.2:0.9 \
  --samples 8 --bootstrap 100 -r 2 --out "$T/sens.sqlite" >/dev/null 2>&1
expect report_sensitivity 0 "(1 chart)" -- "$PDLAB" report "$T/sens.sqlite" --out "$T/sens.html"
# Where an analysis came from (its meta table) heads its report, and outcomes name their unit.
for page in c sens; do
  grep -q "Scenario [^<]* · seed [0-9]* · 2 replicates · pdlab .* · command: .*--out $T/$page.sqlite" "$T/$page.html" ||
    { echo "FAIL report_provenance_$page"; fails=$((fails + 1)); }
done
grep -q "periods_to_half ([a-z]*) · model \\[periods from the calendar's start\\]" "$T/c.html" ||
  { echo "FAIL report_compare_units"; fails=$((fails + 1)); }
python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE other (x)'); c.commit()" "$T/other.sqlite"
expect report_not_a_study 65 "not a pdlab study" -- "$PDLAB" report "$T/other.sqlite" --out "$T/x.html"
python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE out_of_sample (x)'); c.commit()" "$T/oos.sqlite"
expect report_out_of_sample 65 "--table out_of_sample" -- "$PDLAB" report "$T/oos.sqlite" --out "$T/x.html"
PDLAB_REPORT_ASSETS="$T/nowhere" expect report_no_assets 66 "chart library not found" -- "$PDLAB" report "$T/g.sqlite" --out "$T/y.html"
[ -e "$T/x.html" ] || [ -e "$T/y.html" ] && { echo "FAIL report_no_partial_output"; fails=$((fails + 1)); }
# Self-contained: no external scripts or styles.
if grep -qE '<script[^>]+src=|<link[^>]+href=' "$T/g.html"; then echo "FAIL report_self_contained"; fails=$((fails + 1)); fi
# Text from the inputs stays data: a unit named "</script><script>...<!--" cannot end or
# change the page's script (four scripts: three libraries and the charts').
mkdir -p "$T/x"
cp "$SRC/scenarios/examples/toy_pilot.toml" "$SRC/scenarios/examples/"toy_*.csv "$T/x/"
sed -i 's|^P1,P,prefecture,Prefecture 1,|P1,P,prefecture,P1</script><script>document.title=1</script><!--,|' "$T/x/toy_hierarchy.csv"
"$PDLAB" run "$T/x/toy_pilot.toml" --out "$T/x.sqlite" -r 3 >/dev/null 2>&1
expect report_script_safe 0 "(6 charts)" -- "$PDLAB" report "$T/x.sqlite" --out "$T/x.html"
grep -q 'P1\\u003c/script>' "$T/x.html" || { echo "FAIL report_name_kept"; fails=$((fails + 1)); }
closes=$(grep -o '</script' "$T/x.html" | wc -l)
[ "$closes" = 4 ] || { echo "FAIL report_script_safe: $closes closing script tags"; fails=$((fails + 1)); }
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "SKIP: chromium is not installed (scripts/setup.sh --test installs it); $fails failures without it"
  [ "$fails" -eq 0 ] && exit 77 || exit 1
fi
"$PDLAB" cases "$SRC/scenarios/cases" --out "$T/cases" -r 2 >/dev/null 2>&1
cp "$T/cases/comparison.html" "$T/cmp.html"
cp "$T/cases/guiyang.html" "$T/gy.html"
# The comparison links to each case's page and flags a capped "years to half" (a case in which some
# replicate never reaches half of its communities by the horizon; Jiangsu with 2 replicates).
for c in chengdu guiyang haicang jiangsu-rollout taicang; do
  grep -q "href=\"$c.html\"" "$T/cmp.html" && [ -f "$T/cases/$c.html" ] ||
    { echo "FAIL cases_link_$c"; fails=$((fails + 1)); }
done
grep -q 'class="flag"' "$T/cmp.html" || { echo "FAIL cases_horizon_flag"; fails=$((fails + 1)); }
# Each measure says what it is and its unit (the cost in yuan per 10,000 residents a year).
grep -q 'yuan per 10,000 residents a year, mean over the horizon</td>' "$T/cmp.html" ||
  { echo "FAIL cases_units"; fails=$((fails + 1)); }
# The cases' adoption curves, aligned to each case's start.
grep -q '"curves"' "$T/cmp.html" || { echo "FAIL cases_curves"; fails=$((fails + 1)); }
# The Jiangsu case's calibration targets are written beside its study and drawn in its report.
grep -q '^township,,2017-12,1' "$T/cases/jiangsu-rollout-targets.csv" && grep -q '"targets"' "$T/cases/jiangsu-rollout.html" ||
  { echo "FAIL cases_targets"; fails=$((fails + 1)); }
cp "$T/cases/jiangsu-rollout.html" "$T/jsc.html"
# A chart whose data is emptied must be caught: the page reports a chart with no marks.
sed '0,/"data":{"values":\[/s//"data":{"values":[],"emptied":[/' "$T/p.html" >"$T/blank.html"
status_of() {
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --virtual-time-budget=30000 \
    --dump-dom "file://$T/$1.html" 2>/dev/null | grep -o '<p id="pdlab-status"[^>]*>[^<]*' | sed 's/.*>//'
}
status=$(status_of blank)
case "$status" in
  *"no marks drawn"*) ;;
  *) echo "FAIL browser_blank_chart: status '$status' (want a chart with no marks)"; fails=$((fails + 1)) ;;
esac
# Every chart renders with marks and no console error; the maps draw one shape per county.
for r in g h p c cd cf cal calm abcp abcs abcm sens cmp gy x js jt jsc nat; do
  want=$(grep -c '^<h2>' "$T/$r.html")
  features=0
  [ "$r" = js ] || [ "$r" = jt ] || [ "$r" = jsc ] && features=$map_js
  [ "$r" = nat ] && features=$map_all
  [ "$r" = gy ] && features=10  # Guiyang's CSV hierarchy: its 10 districts and counties
  status=$(status_of "$r")
  if [ "$status" != "rendered $want of $want charts; map features $features" ]; then
    echo "FAIL browser_$r: status '$status' (want 'rendered $want of $want charts; map features $features')"
    fails=$((fails + 1))
  fi
done
echo "report: $fails failures"
[ "$fails" -eq 0 ]
