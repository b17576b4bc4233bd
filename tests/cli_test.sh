#!/usr/bin/env bash
# End-to-end tests of the pdlab CLI: exit codes (sysexits), messages, no partial output.
set -u
PDLAB=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
passes=0

source "$(dirname "${BASH_SOURCE[0]}")/check_lib.sh"

EX="$SRC/scenarios/examples"
check version 0 "pdlab 0.1.0" -- "$PDLAB" version
check help 0 "validate" -- "$PDLAB" --help
check run_help 0 "--replicates" -- "$PDLAB" run --help
check no_subcommand 64 "" -- "$PDLAB"
check unknown_command 64 "unknown command 'runn'; did you mean 'run'?" -- "$PDLAB" runn "$EX/toy_pilot.toml"
check unknown_command_far 64 "unknown command 'blah'; \`pdlab --help\` lists them" -- "$PDLAB" blah
check version_flag 0 "^pdlab [0-9]" -- "$PDLAB" --version
check bad_option 64 "" -- "$PDLAB" run "$EX/toy_pilot.toml" --out "$T/x.sqlite" --bogus
check run_out_csv_refused 64 "name it .sqlite" -- "$PDLAB" run "$EX/toy_pilot.toml" --out "$T/x.csv" -r 1
ok run_out_csv_not_written test ! -e "$T/x.csv"
check validate_folder 66 "this is a folder, not a scenario file" -- "$PDLAB" validate "$EX"
check estimate_only_refusal 73 "nothing was written" -- bash -c "ulimit -f 100; exec '$PDLAB' run '$EX/toy_pilot.toml' --out '$T/never.sqlite' -r 200 --estimate-only"
ok estimate_only_nothing test ! -e "$T/never.sqlite"
# An existing --out: the estimate first (it writes nothing), then the refusal the run would get.
touch "$T/exists.sqlite"
check estimate_only_existing_out 73 "output file exists" -- "$PDLAB" run "$EX/toy_pilot.toml" --out "$T/exists.sqlite" --estimate-only
ok estimate_only_existing_estimated grep -q "pdlab: estimate:" "$T/err"
ok estimate_only_existing_untouched test ! -s "$T/exists.sqlite"
touch "$T/a_file"
check cases_out_is_file 73 "this is a file, not a folder" -- "$PDLAB" cases --out "$T/a_file" -r 2
# One case copied beside the shipped held_out.csv: its own fact is checked, the others' are
# named as not checked (they were refused as "no case of that name").
mkdir -p "$T/one_case" && cp "$SRC/scenarios/cases/haicang.toml" "$SRC/scenarios/cases/held_out.csv" "$T/one_case/"
check cases_one_of_them 0 "names shipped cases that are not in the folder, whose facts are not checked: chengdu (2 facts)" -- \
  "$PDLAB" cases "$T/one_case" --out "$T/one_case_out" -r 2 -t 1
ok cases_one_fact_checked bash -c "[ \$(grep -c '^haicang,' '$T/one_case_out/held_out.csv') = 1 ] && [ \$(wc -l < '$T/one_case_out/held_out.csv') = 2 ]"
# Each case's study records the command as typed, as `pdlab run` does.
check cases_ok 0 "" -- "$PDLAB" cases --out "$T/cases_ok" -r 2 -t 1
ok cases_command_line python3 -c "import sqlite3, sys; v = sqlite3.connect(sys.argv[1]).execute(\"SELECT value FROM meta WHERE key = 'command_line'\").fetchone()[0]; sys.exit(0 if v.endswith('cases --out $T/cases_ok -r 2 -t 1') else 'command_line: ' + v)" "$T/cases_ok/haicang.sqlite"
# Existence dates on weekly and daily calendars (a division by zero: SIGFPE, exit 136).
check restructure_weekly 0 "" -- "$PDLAB" run "$EX/toy_restructure.toml" -r 2 --set calendar.periods_per_year=52 --set calendar.periods=520 --out "$T/restructure_weekly.sqlite"
check restructure_daily 0 "" -- "$PDLAB" run "$EX/toy_restructure.toml" -r 2 --set calendar.periods_per_year=365 --set calendar.periods=3650 --out "$T/restructure_daily.sqlite"
# The SO-capacity bound clips the default ranges of so_max and so_growth (they were refused).
check option_prefix_suggested 64 "unknown option '--output'; did you mean '--out'" -- "$PDLAB" run "$EX/toy_pilot.toml" --output "$T/y.sqlite"
# A unit id on the command line needs no quotes the shell would take away.
check set_id_unquoted 0 "valid" -- "$PDLAB" validate "$SRC/scenarios/cases/taicang.toml" --set hierarchy.root=320585
check set_bool_for_string 78 "quote the whole assignment" -- "$PDLAB" validate "$SRC/scenarios/cases/taicang.toml" --set hierarchy.root=true
check validate_pilot_delay_below_lag 0 "pilots are judged on outcomes from before they ran the model" -- \
  "$PDLAB" validate "$EX/toy_governance.toml" --set feedback.pilot_evaluation=true --set promotion.pilot_delay=1 --set feedback.lag_months=6
# A hierarchy file the scenario names and that is missing: the scenario's line and key.
sed 's|path = "toy_hierarchy.csv"|path = "toy_hier.csv"|' "$EX/toy_governance.toml" > "$T/nohier.toml"
check validate_missing_hierarchy 66 "nohier.toml:[0-9][0-9]*: field 'hierarchy.path' = 'toy_hier.csv': file not found" -- "$PDLAB" validate "$T/nohier.toml"
# A scripted `set` of a module that is off changes nothing, as a key set in the file would not.
check validate_set_event_module_off 0 "event\[1\] (set coproduction.mobilisation at 2014-01): no effect while the coproduction module is off" -- \
  "$PDLAB" validate "$EX/toy_governance.toml" --set coproduction.enabled=false
# A feedback weight of the wrong sign validates (a study may test the opposite) with a warning.
check validate_feedback_sign 0 "feedback.reversal_depth = -20: negative, so it reverses the direction its source gives" -- \
  "$PDLAB" validate "$EX/toy_governance.toml" --set feedback.reversal=true --set feedback.reversal_depth=-20
# An effort curvature in the old rule's range (the noise of a logit, 0.1) validates with a warning.
check validate_effort_curvature 0 "assessment.temperature = 0.1: the curvature of officials' returns to effort" -- \
  "$PDLAB" validate "$EX/toy_governance.toml" --set assessment.temperature=0.1
check sensitivity_so_max_default 0 "services.so_max" -- "$PDLAB" sensitivity "$EX/toy_governance.toml" --factor services.so_max --method morris --trajectories 2 -r 2 --out "$T/sens_so_max.csv"
check validate_ok 0 "valid. 49 units" -- "$PDLAB" validate "$EX/toy_pilot.toml"
check validate_national 0 "665277 units" -- "$PDLAB" validate "$SRC/scenarios/national.toml"
sed "s/mode = \"pilot\"/mode = \"mandate\"/; s#path = \"toy_hierarchy.csv\"#path = \"$EX/toy_hierarchy.csv\"#" "$EX/toy_pilot.toml" >"$T/mandate_late.toml"
check mandate_default_deadline_shown 0 "deadline 2014-01 (promotion.mandate_deadline after 2011-01) is after the last period (2012-06)" -- "$PDLAB" validate "$T/mandate_late.toml" --set calendar.periods=30
check units_scenario_any_case 0 "Township 1.1.1" -- "$PDLAB" units "township 1.1" --scenario "$EX/toy_pilot.toml"
check units_english_note 0 "English names cover provinces and counties only" -- "$PDLAB" units Suzhou
check units_english 0 "320585 .*太仓市 (Taicang)  in 江苏省 / 苏州市" -- "$PDLAB" units Taicang
check units_csv 0 "^320585,3205,county,3,county_city,太仓市,Taicang,江苏省 / 苏州市,32/3205" -- "$PDLAB" units 320585 --limit 1 --csv
check units_none 65 "no unit matches 'zzzq' (the query matches part of an id, a Chinese name" -- "$PDLAB" units zzzq
check units_scenario 0 "P1C1T1 " -- "$PDLAB" units "Township 1.1.1" --scenario "$EX/toy_pilot.toml"
check run_ok 0 "$T/a.sqlite" -- "$PDLAB" run "$EX/toy_pilot.toml" --out "$T/a.sqlite" --replicates 3 --threads 2 --seed 5
check run_exists 73 "pass --force" -- "$PDLAB" run "$EX/toy_pilot.toml" --out "$T/a.sqlite"
check run_force 0 "" -- "$PDLAB" run "$EX/toy_pilot.toml" --out "$T/a.sqlite" --force
check export_stdout 0 "scenario_id,policy_id,level,period" -- "$PDLAB" export "$T/a.sqlite" --table summary_time
check export_file 0 "" -- "$PDLAB" export "$T/a.sqlite" --table adoptions --out "$T/a.csv"
check export_bad_table 64 "did you mean 'runs'" -- "$PDLAB" export "$T/a.sqlite" --table run
check export_bad_format 64 "" -- "$PDLAB" export "$T/a.sqlite" --table runs --format xlsx
check export_missing 66 "not found" -- "$PDLAB" export "$T/none.sqlite" --table runs

# Local governments merged, split, created and ceasing under the governance layer (7.9.7):
# panel rows only while a government exists.
check run_restructure 0 "wrote" -- "$PDLAB" run "$EX/toy_restructure.toml" --out "$T/r.sqlite" -r 2
check restructure_rows 0 "^0|10|8$" -- sqlite3 "$T/r.sqlite" "SELECT (SELECT count(*) FROM governance_unit_time WHERE unit_id IN ('S0', 'S1') AND date >= '2013-01'), (SELECT count(*) FROM governance_unit_time WHERE unit_id = 'M0'), (SELECT count(*) FROM governance_unit_time WHERE unit_id = 'S3')"

# Bad inputs: clear error, non-zero exit, no output file.
check missing_scenario 66 "scenario file not found" -- "$PDLAB" run "$T/none.toml" --out "$T/b.sqlite"
printf 'schema_version = 1\n[vertical]\nattenuaton = 0.3\n' > "$T/typo.toml"
check unknown_key 78 "did you mean 'attenuation'" -- "$PDLAB" run "$T/typo.toml" --out "$T/b.sqlite"
check bad_set 78 "out of range" -- "$PDLAB" run "$EX/toy_pilot.toml" --out "$T/b.sqlite" --set vertical.attenuation=7
# A table given to --set merges into the file's table (it replaced it: alpha.province = -inf lost).
check set_table_merges 0 "" -- "$PDLAB" run "$EX/toy_pilot.toml" -r 2 --out "$T/set_table.sqlite" --set 'adoption={gamma_vertical=3}' --set 'adoption.alpha={county=-3}'
check params_full_precision 0 "adoption.alpha.county,-7.123456789," -- bash -c "'$PDLAB' run '$EX/toy_pilot.toml' -r 2 --out '$T/precise.sqlite' --set adoption.alpha.county=-7.123456789 >/dev/null 2>&1 && '$PDLAB' export '$T/precise.sqlite' --table params"
check set_table_kept 0 "adoption.alpha.province,-inf" -- "$PDLAB" export "$T/set_table.sqlite" --table params
check set_table_changed 0 "adoption.alpha.county,-3," -- "$PDLAB" export "$T/set_table.sqlite" --table params
check bad_set_form 64 "key=value" -- "$PDLAB" validate "$EX/toy_pilot.toml" --set nonsense
python3 -c "print(\"schema_version = 1\\n[\" + \".\".join([\"a\"] * 50000) + \"]\")" >"$T/deep_key.toml"
check deep_dotted_key 78 "deep_key.toml:2: a dotted key of more than 256 parts" -- "$PDLAB" validate "$T/deep_key.toml"
printf 'id,parent_id,level\na,,p\nb,a,q\nb,a,q\n' > "$T/dup.csv"
printf 'schema_version = 1\n[hierarchy]\nsource = "csv"\npath = "dup.csv"\n' > "$T/dup.toml"
check duplicate_id 65 "dup.csv:4: field 'id' = 'b': duplicate id" -- "$PDLAB" run "$T/dup.toml" --out "$T/b.sqlite"
printf 'id,parent_id,level\na,,p\nb,zz,q\n' > "$T/orphan.csv"
sed 's/dup.csv/orphan.csv/' "$T/dup.toml" > "$T/orphan.toml"
check missing_parent 65 "no unit has this id" -- "$PDLAB" validate "$T/orphan.toml"
printf 'id,parent_id,level,pop\na,,p,1\nb,a,q,x1\n' > "$T/num.csv"
sed 's/dup.csv/num.csv/' "$T/dup.toml" > "$T/num.toml"
check bad_number 65 "num.csv:3: field 'pop' = 'x1'" -- "$PDLAB" validate "$T/num.toml"
: > "$T/empty.csv"
sed 's/dup.csv/empty.csv/' "$T/dup.toml" > "$T/empty.toml"
check empty_file 65 "empty" -- "$PDLAB" validate "$T/empty.toml"
check bad_root 78 "hierarchy.root" -- "$PDLAB" validate "$SRC/scenarios/examples/jiangsu_mandate.toml" --set hierarchy.root=99
if ls "$T"/b.sqlite* >/dev/null 2>&1; then
  echo "FAIL no_partial_output: $(ls "$T"/b.sqlite*)"; fails=$((fails + 1))
else
  passes=$((passes + 1))
fi

# Estimation: risk set and discrete-time EHA on the dual-carbon example.
DC="$SRC/examples/dual_carbon"
check riskset_ok 0 "1284 rows, 90 events" -- "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$DC/events.csv" \
  --covariates "$DC/covariates.csv" --static migrant_share,urban_share --level prefecture --out "$T/rs.csv"
check riskset_static_typo 64 "did you mean 'migrant_share'? (its numeric columns: population, migrant_share, urban_share" -- "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$DC/events.csv" --level prefecture --static migrant_shar --out "$T/rs_typo.csv"
check riskset_static_text 64 "'type': a text column of the hierarchy" -- "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$DC/events.csv" --level prefecture --static type --out "$T/rs_typo.csv"
ok riskset_static_typo_nothing test ! -e "$T/rs_typo.csv"
# The 6-digit codes padded with zeros most Chinese datasets use (130100 for the prefecture
# 1301). On the shipped hierarchy the dual-carbon file's 441900 (东莞市) is also a county of its
# own, so the file is refused as ambiguous, with a conversion that gives the same risk set.
awk -F, 'NR == 1 { print; next } { print $1 "00," $2 "," $3 }' "$DC/events.csv" >"$T/events_padded.csv"
awk -F, 'NR == 1 { print; next } { print $1 "00," $2 "," $3 "," $4 }' "$DC/covariates.csv" >"$T/covariates_padded.csv"
check riskset_padded_ambiguous 65 "events_padded.csv:70: field 'unit_id' = '441900': ambiguous id: it is county 441900 (东莞市), but this file writes codes padded with zeros (e.g. '110100' on line 2, read as prefecture 1101 (市辖区)), and padded it is prefecture 4419 (东莞市)" -- \
  "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$T/events_padded.csv" --level prefecture --out "$T/rs_padded.csv"
ok riskset_padded_ambiguous_nothing test ! -e "$T/rs_padded.csv"
awk -F, -v OFS=, 'NR > 1 && length($1) == 6 { if (!sub(/0000$/, "", $1)) sub(/00$/, "", $1) } 1' "$T/events_padded.csv" >"$T/events_converted.csv"
check riskset_padded_fix_offered 65 "a file of 6-digit codes converts in one step, each XX0000 to XX and XXYY00 to XXYY: awk -F, -v OFS=, 'NR > 1 && length(\$1) == 6 { if (!sub(/0000\$/, \"\", \$1)) sub(/00\$/, \"\", \$1) } 1' $T/events_padded.csv > codes.csv" -- \
  "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$T/events_padded.csv" --level prefecture --out "$T/rs_padded.csv"
ok riskset_padded_converted cmp -s "$DC/events.csv" "$T/events_converted.csv"
check units_padded_prefecture 0 "^1301 .*石家庄市" -- "$PDLAB" units 130100 --limit 1
check units_padded_note 0 "note: '130100' is no unit's id; read as a code padded with zeros, it is prefecture 1301 (石家庄市)" -- "$PDLAB" units 130100 --limit 1
check units_padded_province 0 "^11 .*北京市" -- "$PDLAB" units 110000 --limit 1
check units_padded_village_form 0 "^1301 .*石家庄市" -- "$PDLAB" units 130100000000 --limit 1
check units_padded_ambiguous 0 "or county 441900 (东莞市) (ambiguous: use the code of the unit meant)" -- "$PDLAB" units 441900000000
# A shipped neighbour list on a hierarchy file whose ids are China's codes (the trial's
# prefecture-level file): the edges between its units are kept, and a note counts them. There
# 441900 is no unit, so the padded files read unambiguously, to the same risk set.
zcat "$SRC/data/china/units.csv.gz" | awk -F, 'length($1) <= 4' | cut -d, -f1-5 >"$T/units_pref.csv"
awk -F, 'NR == 1 || $1 == "0" || substr($1, 1, 2) == "32"' "$T/units_pref.csv" >"$T/units_js.csv"
printf 'schema_version = 1\n[calendar]\nstart_year = 2020\nperiods_per_year = 1\nperiods = 4\n[hierarchy]\nsource = "csv"\npath = "units_pref.csv"\n[[hierarchy.edges]]\npath = "china:prefecture_adjacency"\n[adoption]\nsibling_weight = 0.0\nedge_weight = 1.0\n' >"$T/pref_csv.toml"
sed 's/units_pref.csv/units_js.csv/' "$T/pref_csv.toml" >"$T/js_csv.toml"
check shipped_edges_csv_note 0 'note: hierarchy.edges.path = "china:prefecture_adjacency" on the hierarchy file units_pref.csv: kept the 926 edges whose ends are both units of it, dropped 0 of the shipped list' -- \
  "$PDLAB" validate "$T/pref_csv.toml"
check shipped_edges_csv_dropped 0 'units_js.csv: kept the 25 edges whose ends are both units of it, dropped 901 of the shipped list' -- \
  "$PDLAB" validate "$T/js_csv.toml"
check shipped_edges_csv_riskset 0 "kept the 926 edges" -- "$PDLAB" riskset "$T/pref_csv.toml" --events "$DC/events.csv" \
  --covariates "$DC/covariates.csv" --level prefecture --out "$T/rs_csv.csv"
check riskset_padded_note 0 "note: $T/events_padded.csv: 90 unit ids read as China's codes padded with zeros (90 prefectures; e.g. '110100' on line 2 as prefecture 1101 (市辖区))" -- \
  "$PDLAB" riskset "$T/pref_csv.toml" --events "$T/events_padded.csv" --covariates "$T/covariates_padded.csv" --level prefecture --out "$T/rs_csv_padded.csv"
check riskset_padded_covariates_note 0 "note: $T/covariates_padded.csv: 678 unit ids read as China's codes padded with zeros" -- \
  "$PDLAB" riskset "$T/pref_csv.toml" --events "$T/events_padded.csv" --covariates "$T/covariates_padded.csv" --level prefecture --out "$T/rs_csv_padded.csv" --force
ok riskset_padded_same_rows cmp -s "$T/rs_csv.csv" "$T/rs_csv_padded.csv"
# An event of another level is no row of the level's risk set: the count says so.
{ cat "$DC/events.csv"; echo "11,dual_carbon,2021"; } > "$T/events_province.csv"
check riskset_other_level_note 0 "1 events of units at level province are not rows" -- "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$T/events_province.csv" --level prefecture --out "$T/rs_province.csv"
# Without --level, events at one level only: the risk set's rows at the others can never be
# events, and riskset says so.
printf 'unit_id,policy_id,time\nP1C1,model,2012-03\nP1C2,model,2013-05\n' > "$T/county_events.csv"
check riskset_eventless_levels 0 "the events are 2 at county; the risk set has rows at every level, and those at prefecture, township can never be events (--level county" -- \
  "$PDLAB" riskset "$EX/toy_pilot.toml" --events "$T/county_events.csv" --out "$T/county_rs.csv"
check riskset_exists 73 "--force" -- "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$DC/events.csv" --out "$T/rs.csv"
check eha_ok 0 "log_gdp_pc" -- "$PDLAB" eha "$T/rs.csv" --formula "event ~ horizontal + log_gdp_pc + factor(period)" \
  --link cloglog --cluster parent_id --out "$T/coef.csv"
check eha_csv 0 "term,estimate,std_error,z_value,p_value,conf_low,conf_high,se_type,std_error_model,separated" -- cat "$T/coef.csv"
check eha_both_se 0 "model se" -- "$PDLAB" eha "$T/rs.csv" --formula "event ~ horizontal + log(migrant_share) + horizontal:log_gdp_pc" --cluster parent_id
# --stats: the fit's statistics as one row, beside R's logLik, AIC and deviance of the same
# fits (tests/reference: dual_carbon_cloglog, dual_carbon_cox_efron); BIC and the
# likelihood-ratio test from them (LR = null - residual deviance; 2 x the log partial
# likelihoods' difference, 76.98 on 3 df as the Cox printout says).
RS="$SRC/tests/reference/dual_carbon_riskset.csv"
check eha_stats 0 "" -- "$PDLAB" eha "$RS" --formula "event ~ horizontal + migrant_share + log_gdp_pc + factor(period)" \
  --stats "$T/eha_stats.csv" --out "$T/eha_stats_coef.csv"
ok eha_stats_vs_r python3 -c "
import csv, math, sys
r = next(csv.DictReader(open(sys.argv[1])))
ll, n, k = float(r['log_likelihood']), int(r['n']), int(r['parameters'])
ok = (abs(ll + 267.00074667818870) < 1e-6 and abs(float(r['aic']) - 548.00149335637741) < 1e-6
      and abs(float(r['deviance']) - 534.00149335637741) < 1e-6 and n == 1272 and k == 7
      and int(r['events']) == 90 and r['link'] == 'cloglog' and int(r['lr_df']) == 6
      and abs(float(r['bic']) - (-2 * ll + k * math.log(n))) < 1e-9
      and abs(float(r['lr_statistic']) - (float(r['null_deviance']) - float(r['deviance']))) < 1e-9
      and 0 < float(r['lr_p_value']) < 1e-15 and r['converged'] == '1')
sys.exit(0 if ok else str(r))" "$T/eha_stats.csv"
check cox_stats 0 "" -- "$PDLAB" cox "$RS" --formula "Surv(tstart, tstop, event) ~ horizontal + migrant_share + log_gdp_pc" \
  --stats "$T/cox_stats.csv"
ok cox_stats_vs_r python3 -c "
import csv, sys
r = next(csv.DictReader(open(sys.argv[1])))
ll = float(r['log_partial_likelihood'])
lr = float(r['lr_statistic'])
ok = (abs(ll + 472.83155989824303) < 1e-6 and r['ties'] == 'efron' and int(r['lr_df']) == 3
      and abs(lr - 2 * (ll - float(r['null_log_partial_likelihood']))) < 1e-9
      and abs(lr - 76.9818) < 1e-4 and abs(float(r['aic']) - (-2 * ll + 6)) < 1e-9
      and int(r['dropped_missing']) == 12 and r['model'].startswith('Surv(tstart, tstop, event)')
      and r['strata'] == '0')
sys.exit(0 if ok else str(r))" "$T/cox_stats.csv"
check eha_stats_same_as_out 64 "--stats and --out name the same file" -- "$PDLAB" eha "$RS" \
  --formula "event ~ horizontal" --stats "$T/./same.csv" --out "$T/same.csv"
ok eha_stats_same_not_written test ! -e "$T/same.csv"
check eha_stats_exists 73 "--force" -- "$PDLAB" eha "$RS" --formula "event ~ horizontal" --stats "$T/eha_stats.csv"
# A SQLite file where CSV is read is named as such (it gave "row has 1 fields"); an output
# named .SQLITE, .sqlite3 or .db is SQLite, not CSV text.
check eha_given_sqlite 65 "a.sqlite:1: this is an SQLite file, not CSV" -- "$PDLAB" eha "$T/a.sqlite" --formula "event ~ x"
check cox_given_sqlite 65 "this is an SQLite file, not CSV" -- "$PDLAB" cox "$T/a.sqlite" --formula "Surv(a, b, c) ~ x"
check eha_out_upper_sqlite 0 "" -- "$PDLAB" eha "$T/rs.csv" --formula "event ~ horizontal" --out "$T/eha_upper.SQLITE"
ok eha_out_upper_is_sqlite test "$(head -c 15 "$T/eha_upper.SQLITE")" = "SQLite format 3"
check eha_out_db 0 "" -- "$PDLAB" eha "$T/rs.csv" --formula "event ~ horizontal" --out "$T/eha_out.db"
ok eha_out_db_is_sqlite test "$(head -c 15 "$T/eha_out.db")" = "SQLite format 3"
check eha_log_nonpositive 65 "field 'horizontal' = '0'" -- "$PDLAB" eha "$T/rs.csv" --formula "event ~ log(horizontal)"
check eha_bad_function 64 "not supported" -- "$PDLAB" eha "$T/rs.csv" --formula "event ~ exp(horizontal)"
check eha_bad_formula 64 "no '~'" -- "$PDLAB" eha "$T/rs.csv" --formula "event horizontal"
# Ids are labels even where they look like numbers (administrative codes): no slope on them.
check eha_id_term 64 "'unit_id' is an id column" -- "$PDLAB" eha "$T/rs.csv" --formula "event ~ horizontal + unit_id"
check cox_id_term 64 "use factor(parent_id)" -- "$PDLAB" cox "$T/rs.csv" --formula "Surv(tstart, tstop, event) ~ parent_id"
# A misspelt option is named with the nearest one, even when a required option is then missing.
check eha_misspelt_option 64 "unknown option '--formla'; did you mean '--formula'?" -- "$PDLAB" eha "$T/rs.csv" --formla "event ~ horizontal"
check run_misspelt_option 64 "did you mean '--replicates'?" -- "$PDLAB" run "$EX/toy_pilot.toml" --out "$T/never2.sqlite" --replicate 3
check eha_bad_column 64 "did you mean 'horizontal'" -- "$PDLAB" eha "$T/rs.csv" --formula "event ~ horizontl"
check cox_ok 0 "log partial likelihood = -472.831560" -- "$PDLAB" cox "$T/rs.csv" \
  --formula "Surv(tstart, tstop, event) ~ horizontal + migrant_share + log_gdp_pc" --cluster parent_id --out "$T/cox.csv"
# A covariate in yuan (1e9-1e12) beside a share is no singular information (it was refused).
awk -F, 'NR==1{print $0",gdp";next}{print $0","(NR*7919%1000+1)*1e9}' "$T/rs.csv" >"$T/rs_gdp.csv"
# The hazard ratio's interval beside the coefficient's (exp of its ends): 0.9451 to 16.11.
check cox_hr_interval 0 "horizontal .* 0.9451 *16.11" -- "$PDLAB" cox "$T/rs.csv" \
  --formula "Surv(tstart, tstop, event) ~ horizontal + migrant_share + log_gdp_pc" --cluster parent_id
# The offset is part of the model: the header writes it into the formula, as R does.
check eha_offset_shown 0 "event ~ horizontal + offset(log_gdp_pc)" -- "$PDLAB" eha "$T/rs.csv" \
  --formula "event ~ horizontal" --offset log_gdp_pc
# A risk set without events is refused as such (it was a failure to converge).
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "event") c = i; print; next } { $c = 0; print }' \
  "$T/rs.csv" > "$T/rs_no_events.csv"
check eha_no_events 65 "no events: the response is 0 in all" -- "$PDLAB" eha "$T/rs_no_events.csv" \
  --formula "event ~ horizontal"
# Messages for plausible mistakes with other tools' files: a semicolon-separated CSV, a
# Stata-style "." missing value, a misspelt --cluster column (the columns listed).
sed 's/,/;/g' "$T/rs.csv" > "$T/rs_semicolons.csv"
check eha_semicolons 64 "the file seems separated by semicolons" -- "$PDLAB" eha "$T/rs_semicolons.csv" --formula "event ~ horizontal"
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "horizontal") c = i; print; next } NR == 3 { $c = "." } { print }' \
  "$T/rs.csv" > "$T/rs_dot.csv"
check eha_stata_missing 65 "write a missing value as an empty field or NA" -- "$PDLAB" eha "$T/rs_dot.csv" --formula "event ~ horizontal"
check eha_cluster_columns 64 "use a column of the table: unit_id, parent_id" -- "$PDLAB" eha "$T/rs.csv" --formula "event ~ horizontal" --cluster province
check riskset_edges_blamed 64 "field '--edges' = 'china:prefecture_adjacencies': unknown shipped edge list" -- "$PDLAB" riskset \
  "$DC/dual_carbon.toml" --events "$DC/events.csv" --edges china:prefecture_adjacencies --level prefecture --out "$T/x_edges.csv"
check riskset_level_city 64 "did you mean 'prefecture'" -- "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$DC/events.csv" \
  --level city --out "$T/x_city.csv"
check cox_large_scale 0 "gdp" -- "$PDLAB" cox "$T/rs_gdp.csv" --formula "Surv(tstart, tstop, event) ~ horizontal + gdp"
check cox_csv 0 "term,estimate,hazard_ratio" -- cat "$T/cox.csv"
# `--out -`: standard output is the CSV alone (the summary goes to standard error), so that R
# or pandas can read it.
check eha_out_stdout 0 "" -- "$PDLAB" eha "$T/rs.csv" --formula "event ~ horizontal" --out -
ok eha_out_stdout_is_csv test "$(head -n 1 "$T/out")" = "term,estimate,std_error,z_value,p_value,conf_low,conf_high,se_type,std_error_model,separated"
ok eha_out_stdout_summary_on_stderr grep -q "Discrete-time EHA" "$T/err"
ok eha_out_stdout_no_summary test "$(grep -c -e "Discrete-time" -e "log-likelihood" "$T/out")" = 0
check cox_out_stdout 0 "" -- "$PDLAB" cox "$T/rs.csv" --formula "Surv(tstart, tstop, event) ~ horizontal" --out -
ok cox_out_stdout_is_csv test "$(head -n 1 "$T/out" | cut -d, -f1-3)" = "term,estimate,hazard_ratio"
ok cox_out_stdout_no_summary test "$(grep -c -e "Cox proportional" -e "partial likelihood" "$T/out")" = 0
# An output that is the data is refused before the fit: nothing printed, the data kept.
cp "$T/rs.csv" "$T/rs_copy.csv"
check eha_out_is_data 73 "one of this run's inputs" -- "$PDLAB" eha "$T/rs_copy.csv" --formula "event ~ horizontal" --out "$T/rs_copy.csv" --force
ok eha_out_is_data_no_fit test ! -s "$T/out"
ok eha_out_is_data_kept cmp -s "$T/rs.csv" "$T/rs_copy.csv"
check cox_out_is_data 73 "one of this run's inputs" -- "$PDLAB" cox "$T/rs_copy.csv" --formula "Surv(tstart, tstop, event) ~ horizontal" --out "$T/rs_copy.csv" --force
# An empty column option (an unset shell variable) is refused, not read as no option.
check cox_strata_empty 64 "field '--strata' = '': names no column" -- "$PDLAB" cox "$T/rs.csv" --formula "Surv(tstart, tstop, event) ~ horizontal" --strata ""
check eha_cluster_empty 64 "field '--cluster' = '': names no column" -- "$PDLAB" eha "$T/rs.csv" --formula "event ~ horizontal" --cluster ""
# A code gives its unit and its subtree, not names that contain the code.
check units_root_subtree 0 "^11 .*北京市" -- "$PDLAB" units 0 --limit 3
ok units_root_no_names test "$(grep -c community "$T/out")" = 0
# "--limit N shows more" only when more were left out: not for a leaf shown whole.
check units_leaf_whole 0 "" -- "$PDLAB" units 320585100001 --limit 1
ok units_leaf_no_more_note test "$(grep -c "shows more" "$T/err")" = 0
check cox_bad_response 64 "Surv(start, stop, event)" -- "$PDLAB" cox "$T/rs.csv" --formula "event ~ horizontal"
check infer_snap 0 "23,0,3049.81035498" -- "$PDLAB" infer "$SRC/tests/reference/snap_cascades.csv" \
  --nodes "$SRC/tests/reference/snap_cascades_node_names.csv" --edges 5
check infer_spid 0 "870 edges from 728 cascades over 50 nodes" -- "$PDLAB" infer "$SRC/examples/spid/cascades.csv" \
  --edges 870 --out "$T/spid.csv"
check infer_networkinference 0 "147 edges from 50 cascades" -- "$PDLAB" infer "$SRC/tests/reference/ni_sim_validation_input.csv" \
  --nodes "$SRC/tests/reference/ni_sim_validation_node_names.csv" --flavour networkinference --p-value-cutoff 0.05
check eha_sqlite 0 "" -- "$PDLAB" eha "$T/rs.csv" --formula "event ~ horizontal + log_gdp_pc" --out "$T/eha.sqlite"
check eha_sqlite_table 0 "log_gdp_pc|" -- sqlite3 "$T/eha.sqlite" "SELECT term, round(estimate, 6) FROM eha"
check infer_sqlite 0 "California|Oregon" -- bash -c "'$PDLAB' infer '$SRC/examples/spid/cascades.csv' -k 3 --out '$T/edges.sqlite' 2>/dev/null && sqlite3 '$T/edges.sqlite' 'SELECT origin_node, destination_node FROM edges'"
check infer_bad_params 64 "exponent > 1" -- "$PDLAB" infer "$SRC/examples/spid/cascades.csv" --model power-law --params 1
# infer reads the events format (a policy = a cascade), warns of ties and of too few cascades,
# gives the same network whatever the order of the rows, and riskset reads its output as is.
{ cat "$DC/events.csv"; tail -n +2 "$DC/events.csv" | sed 's/,dual_carbon,/,dc_doc,/'; } > "$T/ev2.csv"
{ head -n 1 "$T/ev2.csv"; tail -n +2 "$T/ev2.csv" | tac; } > "$T/ev2_rev.csv"
check infer_events_format 0 "edges from 2 cascades over 90 nodes" -- "$PDLAB" infer "$T/ev2.csv" --out "$T/inf_edges.csv"
ok infer_warns_ties grep -q "warning: 180 of the 180 events (100%) share their time with another event of the same cascade" "$T/err"
ok infer_warns_few_cascades grep -q "warning: 2 cascades over 90 nodes: an edge rests on at most 2 cascades" "$T/err"
ok infer_warns_equal_gains grep -q "edges have the same improvement as another edge" "$T/err"
check infer_rows_reversed 0 "" -- "$PDLAB" infer "$T/ev2_rev.csv" --out "$T/inf_edges_rev.csv"
ok infer_row_order_free cmp -s "$T/inf_edges.csv" "$T/inf_edges_rev.csv"
# The same events as NetInf's cascades: the same network.
{ echo "node_name,event_time,cascade_id"; tail -n +2 "$T/ev2_rev.csv" | awk -F, '{print $1","$3","$2}'; } > "$T/cascades2.csv"
check infer_cascades_same 0 "" -- "$PDLAB" infer "$T/cascades2.csv" --out "$T/inf_edges_casc.csv"
ok infer_formats_agree cmp -s "$T/inf_edges.csv" "$T/inf_edges_casc.csv"
check infer_edges_to_riskset 0 "rows" -- "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$DC/events.csv" --level prefecture \
  --edges "$T/inf_edges.csv" --edges-directed --out "$T/rs_inferred.csv"
# Each inferred edge exposes its destination with weight 1: the first one's destination, at
# the period after the origin adopted, has a horizontal exposure > 0.
ok infer_edges_expose python3 -c "
import csv, sys
e = next(csv.DictReader(open('$T/inf_edges.csv')))
rows = [r for r in csv.DictReader(open('$T/rs_inferred.csv')) if r['unit_id'] == e['destination_node']]
sys.exit(0 if rows and any(float(r['horizontal']) > 0 for r in rows) else 'no exposure of ' + e['destination_node'])"
# Dates become decimal years: 2020-07 is 2020 + 182/366.
printf 'unit_id,policy_id,time\nA,p,2020-01\nB,p,2020-07\nA,q,2021-01\nB,q,2021-07\n' > "$T/ev_months.csv"
check infer_events_months 0 "" -- "$PDLAB" infer "$T/ev_months.csv" --out "$T/inf_months.csv"
ok infer_events_months_years grep -q "^A,B,.*,2,0.4972677595[0-9]*,0.4965790" "$T/inf_months.csv"
# --nodes takes a units table (unit_id).
printf 'unit_id,name\nB,b\nA,a\n' > "$T/nodes_units.csv"
check infer_nodes_unit_id 0 "over 2 nodes" -- "$PDLAB" infer "$T/ev_months.csv" --nodes "$T/nodes_units.csv"
# trend in eha and cox is the risk set's period (one term parser with fit and riskset --terms).
check eha_trend 0 "^trend " -- "$PDLAB" eha "$T/rs.csv" --formula "event ~ horizontal + trend"
grep "^trend " "$T/out" > "$T/eha_trend_line"
check riskset_terms_trend 0 "" -- "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$DC/events.csv" --level prefecture --terms "trend" --out "$T/rs_trend.csv"
check eha_trend_column 0 "^trend " -- "$PDLAB" eha "$T/rs_trend.csv" --formula "event ~ horizontal + trend"
ok eha_trend_as_column bash -c "grep '^trend ' '$T/out' | cmp -s - '$T/eha_trend_line'"
check eha_trend_factor 0 "^factor(trend)3 " -- "$PDLAB" eha "$T/rs.csv" --formula "event ~ factor(trend)"
check cox_trend 0 "^horizontal:trend " -- "$PDLAB" cox "$T/rs.csv" --formula "Surv(tstart, tstop, event) ~ horizontal + horizontal:trend"
# A long term name widens eha's term column: the numbers stay aligned under their headers.
check riskset_two_policies 0 "" -- "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$T/ev2.csv" --level prefecture --out "$T/rs_two.csv"
check eha_long_terms 0 "factor(policy_id)dual_carbon" -- "$PDLAB" eha "$T/rs_two.csv" --formula "event ~ horizontal + factor(policy_id)"
ok eha_long_terms_aligned python3 -c "
import sys
lines = open('$T/out').read().splitlines()
head = next(l for l in lines if l.startswith('term'))
rows = [l for l in lines if l.startswith('factor(policy_id)') or l.startswith('horizontal')]
col = head.index('estimate') + len('estimate')
sys.exit(0 if rows and all(len(r) > col and r[col - 1] != ' ' and r[col] == ' ' for r in rows) else head + chr(10) + chr(10).join(rows))"
check fit_ok 0 "urban_share" -- "$PDLAB" fit "$DC/dual_carbon.toml" --events "$DC/events.csv" \
  --static migrant_share,urban_share --level prefecture --out "$T/fitted.toml"
# Without --level only the levels with events are at risk (the others' intercepts would run off
# to -inf): the fit converges and names the levels it left out, which never adopt in the
# fitted scenario.
check fit_levels_with_events 0 "no events at nation, province, county, township, village: not at risk" -- \
  "$PDLAB" fit "$DC/dual_carbon.toml" --events "$DC/events.csv" --out "$T/fitted_all.toml"
ok fit_levels_with_events_alpha grep -q "prefecture = -[0-9]" "$T/fitted_all.toml"
# An exposure weight the fit did not estimate is written as 0 and said to be so: aliased (the
# vertical exposure at prefecture level) or left out of --terms.
ok fit_not_estimated_aliased grep -q "^# NOT ESTIMATED.*adoption.gamma_vertical (aliased: no variation)" "$T/fitted.toml"
check fit_not_estimated_terms 0 "" -- "$PDLAB" fit "$DC/dual_carbon.toml" --events "$DC/events.csv" \
  --static migrant_share --level prefecture --terms "horizontal + migrant_share" --out "$T/fitted_h.toml"
ok fit_not_estimated_terms_line grep -q "^# NOT ESTIMATED.*adoption.gamma_bottom_up (not among the terms)" "$T/fitted_h.toml"
ok fit_estimated_not_listed bash -c "! grep '^# NOT ESTIMATED' '$T/fitted_h.toml' | grep -q gamma_horizontal"
# A fitted scenario (an intercept for every level) pointed at a province: the levels above it
# have -inf intercepts, which ask for nothing and are ignored with a warning; a misspelt level
# is still an error.
check fit_subtree_root 0 "adoption.alpha.nation = -inf: the hierarchy has no level 'nation' (ignored)" -- \
  "$PDLAB" validate "$T/fitted.toml" --set hierarchy.root=44
check fit_alpha_misspelt 78 "did you mean 'village'" -- \
  "$PDLAB" validate "$T/fitted.toml" --set adoption.alpha.villge=-inf
ok fit_levels_with_events_inf grep -q "village = -inf" "$T/fitted_all.toml"
# The clustering of the standard errors is named, and --cluster none gives model-based ones.
# A covariate dated before the calendar's start holds from the start (the latest such value),
# until the unit's next one.
printf 'unit_id,time,variable,value\n1302,2018,lagged_x,3\n1302,2019,lagged_x,5\n1302,2022,lagged_x,7\n' > "$T/cov_pre.csv"
check riskset_covariate_before_start 0 "" -- "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$DC/events.csv" \
  --covariates "$T/cov_pre.csv" --level prefecture --out "$T/rs_pre.csv"
ok riskset_covariate_before_start_values test "$(awk -F, '$1 == 1302 { printf "%s:%s ", $5, $NF }' "$T/rs_pre.csv")" = "0:5 1:5 2:7 3:7 "
# Events dated by a year on a monthly calendar are said to fall in January.
check riskset_year_dates_note 0 "90 of the 90 events are dated by a year only, on a calendar of 12 periods a year" -- \
  "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$DC/events.csv" --level prefecture \
  --set calendar.periods_per_year=12 --set calendar.periods=48 --out "$T/rs_monthly.csv"
# fit writes its coefficient table on request.
check fit_coefficients 0 "wrote .*fit_coef.csv" -- "$PDLAB" fit "$DC/dual_carbon.toml" --events "$DC/events.csv" \
  --static migrant_share,urban_share --level prefecture --out "$T/fitted_coef.toml" --coefficients "$T/fit_coef.csv"
check fit_coefficients_table 0 "^horizontal," -- cat "$T/fit_coef.csv"
# A scenario that names its policies but not the fitted one is refused (the hazard was written
# under the scenario's first policy's id), and an output that is an input is refused as such
# before --force is asked for, and before anything is written (--out was written, then
# --coefficients refused).
cp "$DC/events.csv" "$T/fit_events.csv"
sed 's/,dual_carbon,/,other,/' "$DC/events.csv" > "$T/fit_other.csv"
mkdir -p "$T/named" && cp "$DC/prefecture_adjacency.csv" "$T/named/" && DC_NAMED="$T/named/dual_named.toml"
printf '\n[[policy]]\nid = "named"\n' | cat "$DC/dual_carbon.toml" - > "$DC_NAMED"
check fit_policy_not_in_scenario 64 "the base scenario has no \[\[policy\]\] 'other' (it has 'named')" -- \
  "$PDLAB" fit "$DC_NAMED" --events "$T/fit_other.csv" --level prefecture --out "$T/fit_other.toml"
ok fit_policy_not_in_scenario_nothing_written test ! -e "$T/fit_other.toml"
check fit_coefficients_is_input 73 "field '--coefficients' = '.*fit_events.csv': the output is one of this run's inputs" -- \
  "$PDLAB" fit "$DC/dual_carbon.toml" --events "$T/fit_events.csv" --level prefecture --out "$T/fit_in.toml" \
  --coefficients "$T/fit_events.csv"
# (the scenario's edge list, read only with the scenario: refused before --out is written)
cp "$DC/dual_carbon.toml" "$DC/prefecture_adjacency.csv" "$T/" && cp "$DC/prefecture_adjacency.csv" "$T/adjacency_copy.csv"
check fit_coefficients_is_scenario_input 73 "field '--coefficients' = .*prefecture_adjacency.csv': the output is one of this run's inputs" -- \
  "$PDLAB" fit "$T/dual_carbon.toml" --events "$T/fit_events.csv" --level prefecture --out "$T/fit_in.toml" \
  --coefficients "$T/prefecture_adjacency.csv" --force
ok fit_coefficients_is_scenario_input_kept cmp -s "$T/adjacency_copy.csv" "$T/prefecture_adjacency.csv"
ok fit_coefficients_is_input_nothing_written test ! -e "$T/fit_in.toml"
ok fit_coefficients_is_input_kept cmp -s "$DC/events.csv" "$T/fit_events.csv"
check riskset_out_is_input 73 "the output is one of this run's inputs" -- \
  "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$T/fit_events.csv" --level prefecture --out "$T/fit_events.csv"
# check-fit on a scenario pdlab fit did not write says so.
check check_fit_unfitted_note 0 "was not written by \`pdlab fit\`" -- "$PDLAB" check-fit "$DC/dual_carbon.toml" \
  --events "$DC/events.csv" -r 2 -t 1
check fit_cluster_named 0 "cluster-robust by the unit's superior (parent_id: 31 clusters" -- "$PDLAB" fit \
  "$DC/dual_carbon.toml" --events "$DC/events.csv" --static migrant_share,urban_share --level prefecture \
  --out "$T/fitted_c.toml"
check fit_cluster_none 0 "carries the model-based covariance" -- "$PDLAB" fit "$DC/dual_carbon.toml" \
  --events "$DC/events.csv" --static migrant_share,urban_share --level prefecture --cluster none \
  --out "$T/fitted_none.toml"
# The digest shows adoption at every level that adopts (here the mandate's townships), not
# only the deepest level, whose villages the compliance does not change.
check compare_digest_adopting_levels 0 "adopted share_at_end (township; share of the level's units):" -- "$PDLAB" compare \
  "$EX/jiangsu_mandate.toml" --vary event.1.compliance=1,0.6 -r 4 --out "$T/js_cmp.csv"
# A variant that changes nothing (a key of a module that is off) is said to, and why.
check compare_idle_variant 0 'variant "stability.budget=90000" gave exactly the outcomes of "stability.budget=1000" in every replicate' -- \
  "$PDLAB" compare "$EX/toy_pilot.toml" --vary stability.budget=1000,90000 -r 2 -t 1 --out "$T/idle_cmp.csv"
# A time to half censored in some replicates is marked as a bound in the digest and the table.
# A varied key that a scripted `set` event also sets is varied only before the event's date:
# said before anything runs, with the event's own value to vary instead (which does vary).
check compare_key_set_by_event 0 "coproduction.mobilisation is varied, but event.1 (set, .*line [0-9]*) sets it to 1.5 from 2014-01: the varied values hold only before 2014-01; to vary the value it takes from then, vary the event's value: --vary event.1.value=V1,V2,... (or a --variants column event.1.value)" -- \
  "$PDLAB" compare "$EX/toy_governance.toml" --vary coproduction.mobilisation=1,2 -r 2 -t 1 --out "$T/mob_cmp.csv"
ok compare_event_warning_first bash -c "head -1 '$T/err' | grep -q 'is varied, but event.1'"
check compare_event_value_varied 0 "event.1.value=2  " -- \
  "$PDLAB" compare "$EX/toy_governance.toml" --vary event.1.value=1,2 -r 2 -t 1 --out "$T/ev_cmp.csv"
ok compare_event_value_no_warning bash -c "! grep -q 'is varied, but' '$T/err'"
# An outcome undefined in every replicate of every variant gets one line saying so and why,
# not rows of nan.
check compare_undefined_everywhere 0 "depth_per_visible_mandated last_year_mean (county): undefined in every replicate of every variant (empty where no such official has visible output)" -- \
  "$PDLAB" compare "$EX/toy_governance.toml" --set 'event.0.mode="endorse"' --set 'event.0.deadline="none"' --vary coproduction.intercept=-2,-1 -r 2 -t 1 --out "$T/undef_cmp.csv"
ok compare_undefined_no_nan bash -c "! grep -qw 'nan' '$T/out'"
check compare_censored_marked 0 "censored at the horizon in" -- "$PDLAB" compare "$EX/toy_governance.toml" \
  --vary stages.reversal_rate=0,0.05 -r 6 -t 1 --out "$T/censored_cmp.csv"
check compare_censored_column 0 "periods_to_half,.*,0.166" -- cat "$T/censored_cmp.csv"
# Mandate against pilots: a variant says "deadline none" (only a mandate has one).
printf 'variant,event.0.mode,event.0.deadline\nmandate,mandate,\npilots,pilot,none\n' > "$T/mandate_pilots.csv"
check compare_deadline_none 0 "pilots" -- "$PDLAB" compare "$EX/toy_governance.toml" \
  --variants "$T/mandate_pilots.csv" -r 2 -t 1 --out "$T/mandate_pilots_out.csv"
# Pilots an event designates whose evaluation falls after the last period are never judged:
# said with the date and the key to change, in compare also when a --set gives it to every
# variant (only a generic "changes nothing" was said), and in validate; so is a scale-up whose
# deadline falls after it.
check compare_pilot_eval_after_horizon 0 "warning: event\[0\] (adopt at 2011-01, mode pilot): its pilots are evaluated in 2012-02 (promotion.pilot_delay: 12 periods on .*set promotion.pilot_delay to at most 6" -- \
  "$PDLAB" compare "$EX/toy_pilot.toml" --set calendar.periods=20 --vary promotion.pilot_success=0.2,0.9 -r 2 -t 1 --out "$T/pilot_late.csv"
check validate_scale_up_after_horizon 0 "event\[0\] (adopt at 2011-01, mode pilot): its pilots are evaluated in 2012-02, but the deadline of a scale-up then, 2014-02 .*it is never enforced" -- \
  "$PDLAB" validate "$EX/toy_pilot.toml" --set calendar.periods=30
# compare says what its intervals cover (the Monte Carlo error of the mean paired difference)
# and whether the parameters were fixed or drawn from [uncertainty], in its digest and report.
check compare_intervals_fixed 0 "95% t intervals: the Monte Carlo error of the mean paired difference over the 3 replicates .*Parameter uncertainty: none, the parameters are fixed at the scenario's values (uncertainty.draw = true draws them from \[uncertainty\])" -- \
  "$PDLAB" compare "$T/fitted.toml" --vary adoption.gamma_vertical=0,1 -r 3 -t 1 --out "$T/cmp_fixed.sqlite"
check compare_intervals_drawn 0 "Parameter uncertainty: each replicate ran with its own draw of adoption.alpha.prefecture, .* from \[uncertainty\] (the same draw in every variant)" -- \
  "$PDLAB" compare "$T/fitted.toml" --set uncertainty.draw=true --vary adoption.gamma_vertical=0,1 -r 3 -t 1 --out "$T/cmp_drawn.sqlite"
check compare_report_intervals 0 "" -- "$PDLAB" report "$T/cmp_drawn.sqlite" --out "$T/cmp_drawn.html"
check compare_report_intervals_text 0 "Monte Carlo error of the mean paired difference over the 3 replicates.*each replicate ran with its own draw of adoption.alpha.prefecture" -- cat "$T/cmp_drawn.html"
# A deadline written as a TOML date (or a period number) is read as before "none" was added.
sed 's|deadline = "2014-12"|deadline = 2014-12-01|' "$EX/toy_governance.toml" > "$T/toy_date_deadline.toml"
cp "$EX/toy_hierarchy.csv" "$T/"
check deadline_toml_date 0 "valid" -- "$PDLAB" validate "$T/toy_date_deadline.toml"
# An error about a --set given to every case names the case.
check cases_set_names_case 78 "case .*chengdu.toml: --set adoption.alpha.street=-5" -- "$PDLAB" cases \
  "$SRC/scenarios/cases" --set adoption.alpha.street=-5 -r 2 -o "$T/cases_bad"
# A sensitivity factor that moves nothing is said to; the table gives each estimate's unit.
check sensitivity_idle_factor 0 "factor assessment.fixed_effort moved no outcome at any design point" -- \
  "$PDLAB" sensitivity "$EX/toy_governance.toml" --method morris --factor assessment.fixed_effort=0.1:0.9 \
  --factor vertical.mandate=0:3 -r 2 -t 1 --out "$T/sens_idle.csv"
# (its digest says what the intervals cover and how the other parameters were held)
ok sensitivity_intervals_line grep -q "95% intervals: percentile bootstrap over the design's .* trajectories (1000 resamples).*Parameter uncertainty: none, the keys other than the factors are fixed at the scenario's values\.$" "$T/out"
check sensitivity_unit_column 0 "share of the level's units, for a change across the factor's range" -- cat "$T/sens_idle.csv"
# Indices undefined in a few bootstrap resamples (a share near its bound, 16 base points) keep
# bounds that count those resamples beyond either end; the console never shows "nan".
check sensitivity_undefined_resamples 0 "indices are undefined in some of the 1000 bootstrap resamples" -- \
  "$PDLAB" sensitivity "$EX/toy_pilot.toml" --factor promotion.pilot_success --factor vertical.pilot=0:2 \
  --samples 16 -r 2 -t 1 --out "$T/sens_undefined.csv"
ok sensitivity_no_nan_printed bash -c "! grep -qiw 'nan' '$T/out' '$T/err'"
# A design too large for memory, or to number, and resamples beyond use are refused before
# anything is built (--samples 1e8 grew to 14 GB before it was stopped).
check sensitivity_design_memory 71 "design points x 2 replicates need about .* of memory" -- \
  "$PDLAB" sensitivity "$EX/toy_pilot.toml" --factor promotion.pilot_success --samples 200000000 -r 2 -t 1 --out "$T/sens_big.csv"
check sensitivity_design_points 64 "more than a study can number" -- \
  "$PDLAB" sensitivity "$EX/toy_pilot.toml" --factor promotion.pilot_success --method morris --trajectories 2000000000 -r 2 -t 1 --out "$T/sens_big.csv"
check sensitivity_bootstrap_cap 64 "at most 1000000" -- \
  "$PDLAB" sensitivity "$EX/toy_pilot.toml" --factor promotion.pilot_success --bootstrap 2000000000 -r 2 -t 1 --out "$T/sens_big.csv"
ok sensitivity_big_nothing_written test ! -e "$T/sens_big.csv"
# (20 of the 36 estimates had no interval when any undefined resample emptied it; now 4)
ok sensitivity_bounds_kept bash -c "[ \$(awk -F, '\$10 != \"\" && \$11 == \"\"' '$T/sens_undefined.csv' | wc -l) -lt 10 ]"
# An option of the other method is said to be ignored.
check sensitivity_other_method_option 0 "warning: --samples is read by --method sobol, not morris: ignored" -- \
  "$PDLAB" sensitivity "$EX/toy_pilot.toml" --factor promotion.pilot_success --method morris \
  --samples 16 --trajectories 2 -r 2 -t 1 --out "$T/sens_other.csv"
# A factor that a scripted `set` event also sets is varied only before the event's date: said
# before the design runs, with how to vary the event's value instead, which is then a factor.
check sensitivity_factor_set_by_event 0 "coproduction.mobilisation is varied, but event.1 (set, .*toy_governance.toml line [0-9]*) sets it to 1.5 from 2014-01: the varied values hold only before 2014-01; to vary the value it takes from then, make the event's value a factor: --factor event.1.value=LO:HI" -- \
  "$PDLAB" sensitivity "$EX/toy_governance.toml" --method morris --factor coproduction.mobilisation=0.5:2 --trajectories 2 -r 1 -t 1 --out "$T/sens_mob.csv"
ok sensitivity_event_warning_first bash -c "head -1 '$T/err' | grep -q 'is varied, but event.1'"
check sensitivity_event_value_factor 0 "event.1.value" -- \
  "$PDLAB" sensitivity "$EX/toy_governance.toml" --method morris --factor event.1.value=0.5:2 --trajectories 2 -r 1 -t 1 --out "$T/sens_ev.csv"
ok sensitivity_event_value_moves bash -c "awk -F, '\$5 == \"event.1.value\" && \$9 == \"mu_star\" && \$10 > 0' '$T/sens_ev.csv' | grep -q ."
ok sensitivity_event_value_no_warning bash -c "! grep -q 'is varied, but' '$T/err'"
# Outcomes no factor moves are named in one line, not a block of 0 rows each.
check sensitivity_constant_one_line 0 "Do not vary over the design (no factor moves them, mu\* 0 \[0, 0\]): " -- \
  "$PDLAB" sensitivity "$EX/toy_governance.toml" --method morris --factor assessment.fixed_effort=0.1:0.9 --trajectories 2 -r 1 -t 1 --out "$T/sens_const.csv"
ok sensitivity_constant_no_zero_rows bash -c "! grep -q 'mu\*         0 \[0, 0\]' '$T/out'"
# Sobol's first-order sums are printed, and indices no variance decomposition allows (the
# docs' own example at 16 base points) get one note saying it is sampling error.
check sensitivity_sampling_note 0 "Note: .* outcome(s) have Sobol indices no variance decomposition allows .*raise --samples (to 256 at least" -- \
  "$PDLAB" sensitivity "$EX/toy_pilot.toml" --method sobol --samples 16 --factor promotion.pilot_success=0.3:1 --factor vertical.pilot=0:2 -r 5 -t 1 --out "$T/sens_note.sqlite"
ok sensitivity_first_order_sum grep -q "sum over the factors                 S1 " "$T/out"
ok sensitivity_sampling_meta python3 -c "import sqlite3, sys; v = sqlite3.connect(sys.argv[1]).execute(\"SELECT value FROM meta WHERE key = 'sampling'\").fetchone()[0]; sys.exit(0 if 'sampling error' in v else 'sampling: ' + v)" "$T/sens_note.sqlite"
# A malformed --set says so, without a note listing it again.
ok set_malformed_no_note bash -c "! '$PDLAB' validate '$EX/toy_pilot.toml' --set novalue 2>&1 | grep -q 'the scenario was read with'"
# A key of a governance module that is off changes nothing: validate says so.
check idle_module_key 0 "assessment.inspection_target = 0.9: no effect while the assessment module is off" -- \
  "$PDLAB" validate "$EX/toy_pilot.toml" --set assessment.inspection_target=0.9
# A scenario path that is a pipe is refused at once (opening it would wait for a writer).
mkfifo "$T/scenario_fifo"
check scenario_fifo 66 "scenario_fifo: this is not a regular file (a device or a pipe)" -- timeout 20 "$PDLAB" validate "$T/scenario_fifo"
# A negative capacity (pilots are ranked by it) is warned about with its file and line.
check capacity_negative_warned 0 "capacity_negative.csv:6: unit 'P1C1T2' has population = -5, which promotion.capacity ranks" -- \
  "$PDLAB" validate "$SRC/tests/bad_inputs/capacity_negative.toml"
# A warm-up (governance.warmup_years, docs/model.md 5): 0 gives the default's bits; a warm-up
# writes none of its own periods (the same dates and rows) and starts from other states.
for w in none 0 3; do
  set_w=()
  [ "$w" != none ] && set_w=(--set "governance.warmup_years=$w")
  "$PDLAB" run "$EX/toy_governance.toml" -r 2 "${set_w[@]}" --out "$T/wu_$w.sqlite" >/dev/null 2>&1
done
wu() { sqlite3 "$T/wu_$1.sqlite" "$2"; }
WU_ALL="SELECT level, period, date, metric, mean, sd FROM governance_time ORDER BY 1, 2, 4"
WU_DATES="SELECT min(date), max(date), count(*) FROM governance_time"
WU_TRUST="SELECT mean FROM governance_time WHERE metric = 'trust_local' AND period = 0"
ok warmup_zero_same_bits test "$(wu none "$WU_ALL")" = "$(wu 0 "$WU_ALL")"
ok warmup_writes_only_the_calendar test "$(wu none "$WU_DATES")" = "$(wu 3 "$WU_DATES")"
ok warmup_moves_the_start test -n "$(wu 3 "$WU_TRUST")" -a "$(wu none "$WU_TRUST")" != "$(wu 3 "$WU_TRUST")"
check warmup_without_a_module 0 "governance.warmup_years = 5: no effect while every governance module is off" -- \
  "$PDLAB" validate "$EX/toy_pilot.toml" --set governance.warmup_years=5
# A key of a module that is off but read by the residents' layer while another module is on
# (grievance inflow moves incidents) is not said to have no effect; one that is unread is.
ok idle_module_read_key_not_warned bash -c "! '$PDLAB' validate '$EX/toy_governance.toml' --set coproduction.enabled=false --set coproduction.grievance_inflow=2 2>&1 | grep -q 'grievance_inflow = 2'"
check idle_module_unread_key_warned 0 "coproduction.w_peers = 2, coproduction.task_list_cut = 0.3: no effect while the coproduction module is off" -- \
  "$PDLAB" validate "$EX/toy_governance.toml" --set coproduction.enabled=false --set coproduction.w_peers=2
check idle_feedback_levels 0 'feedback.levels = \[county\]: no effect while feedback.need, .escalation and .reversal are false' -- \
  "$PDLAB" validate "$EX/toy_governance.toml" --set 'feedback.levels=["county"]'
# So does a key read only under a switch that is off, within a module that is on.
check idle_switch_key 0 "feedback.need_grievance = 3: no effect while feedback.need is false (set feedback.need = true to use it)" -- \
  "$PDLAB" validate "$EX/toy_pilot.toml" --set feedback.need_grievance=3
check idle_switch_key_stability 0 "stability.latent_rate = 2: no effect while stability.latent is false" -- \
  "$PDLAB" validate "$EX/toy_pilot.toml" --set stability.enabled=true --set stability.latent=false --set stability.latent_rate=2
check idle_switch_key_on_valid 0 "valid." -- "$PDLAB" validate "$EX/toy_pilot.toml" --set coproduction.enabled=true --set feedback.need=true --set feedback.need_grievance=3
ok idle_switch_key_on_is_quiet bash -c "! '$PDLAB' validate '$EX/toy_pilot.toml' --set coproduction.enabled=true --set feedback.need=true --set feedback.need_grievance=3 2>&1 | grep -q 'no effect'"
# An event past the calendar (2020-2023) is censored in the fit, as riskset says, and noted.
{ cat "$DC/events.csv"; echo "1302,dual_carbon,2026"; } > "$T/events_late.csv"
check fit_notes_late_event 0 "note: 1 events after the scenario's horizon (2023) are censored" -- \
  "$PDLAB" fit "$DC/dual_carbon.toml" --events "$T/events_late.csv" --static migrant_share \
  --level prefecture --out "$T/fitted_late.toml"
check fit_old_covariates 64 "--static migrant_share,urban_share" -- "$PDLAB" fit "$DC/dual_carbon.toml" --events "$DC/events.csv" \
  --covariates migrant_share,urban_share --level prefecture --out "$T/old.toml"
ok fit_old_covariates_not_written test ! -e "$T/old.toml"
check fit_terms 0 "log(migrant_share)" -- "$PDLAB" fit "$DC/dual_carbon.toml" --events "$DC/events.csv" \
  --covariates "$DC/covariates.csv" --static migrant_share --level prefecture \
  --terms "horizontal + trend + log(migrant_share) + log_gdp_pc" --out "$T/trend.toml"
# The trend is the fitted policy's own `trend` (b t in period t, the whole calendar long), and
# [uncertainty] draws it (before 2026-12-07: a `set adoption.alpha_shift` event a period, not drawn).
check fit_trend_field 0 "^trend = " -- cat "$T/trend.toml"
ok fit_trend_no_events bash -c "! grep -q 'adoption.alpha_shift' '$T/trend.toml'"
ok fit_trend_drawn grep -q "keys = \[.*'policy.dual_carbon.trend'" "$T/trend.toml"
check fit_trend_draws_differ 0 "policy.dual_carbon.trend|3|3" -- bash -c \
  "'$PDLAB' run '$T/trend.toml' --set uncertainty.draw=true -r 3 -t 1 --out '$T/trend_draws.sqlite' >/dev/null 2>&1 && sqlite3 '$T/trend_draws.sqlite' \"SELECT key, count(*), count(DISTINCT value) FROM draws WHERE key = 'policy.dual_carbon.trend' GROUP BY key\""
# --set names a [[policy]] by its id, as [uncertainty] does; under draws the key set is held.
check set_policy_by_id_held 0 "uncertainty: policy.dual_carbon.trend is held at 0.3 in every replicate" -- \
  "$PDLAB" run "$T/trend.toml" --set uncertainty.draw=true --set policy.dual_carbon.trend=0.3 -r 2 -t 1 --out "$T/trend_held.sqlite"
check set_policy_by_id_value 0 "^2|0.3$" -- sqlite3 "$T/trend_held.sqlite" \
  "SELECT count(*), max(value) FROM draws WHERE key = 'policy.dual_carbon.trend' AND value = 0.3"
check set_policy_unknown_id 78 "'nope' is neither an index of the array (size 1) nor the id of one of its tables" -- \
  "$PDLAB" validate "$T/trend.toml" --set policy.nope.trend=0.1
check trend_bound_warned 0 "policy 'dual_carbon': its trend (20 a period) takes the shift of its hazard past the bound of ±50 at 2023" -- \
  "$PDLAB" validate "$T/trend.toml" --set policy.dual_carbon.trend=20
check trend_in_policies_table 0 "^dual_carbon|1$" -- sqlite3 "$T/trend_draws.sqlite" \
  "SELECT policy_id, trend <> 0 FROM policies"
# A --set by id that is out of range is blamed on the --set (the reader names the table by its
# index); compare reads a policy's index and id as one key: --set by index, varied by id, is
# refused, and under draws a --set by index is warned of as held.
check set_policy_out_of_range 78 "error: --set policy.dual_carbon.trend=99: field 'policy\[0\].trend' = '99': out of range \[-50, 50\]" -- \
  "$PDLAB" validate "$T/trend.toml" --set policy.dual_carbon.trend=99
check compare_policy_key_twice 64 "field '--set' = 'policy.dual_carbon.trend': the key is both fixed by --set and varied" -- \
  "$PDLAB" compare "$T/trend.toml" --set policy.0.trend=0.3 --vary policy.dual_carbon.trend=0,0.5 -r 2 -t 1 --out "$T/cmp_twice.csv"
check compare_policy_index_held 0 "warning: --set policy.dual_carbon.trend=0.3: policy.dual_carbon.trend is among the keys uncertainty.draw draws, so it is held fixed at 0.3" -- \
  "$PDLAB" compare "$T/trend.toml" --set uncertainty.draw=true --set policy.0.trend=0.3 --vary adoption.gamma_vertical=0,1 -r 2 -t 1 --out "$T/cmp_held_idx.csv"
# A [[sensitivity.factor]] in the file may name a policy's number too.
cp "$T/trend.toml" "$T/trend_sens.toml"
printf '\n[[sensitivity.factor]]\nkey = "policy.dual_carbon.trend"\nlo = 0.0\nhi = 0.5\n' >> "$T/trend_sens.toml"
check sensitivity_policy_factor_in_file 0 "" -- "$PDLAB" validate "$T/trend_sens.toml"
# sensitivity varies a policy's number by its id; an unknown id is refused naming the --factor.
check sensitivity_policy_trend 0 "policy.dual_carbon.trend" -- "$PDLAB" sensitivity "$T/trend.toml" \
  --factor policy.dual_carbon.trend=0:0.5 --method morris --trajectories 2 -r 2 -t 1 --out "$T/sens_trend.csv"
check sensitivity_policy_unknown 64 "field '--factor' = 'policy.nope.trend=0:0.5': 'policy.nope.trend' names no policy, booster or profile of the scenario (its policies: dual_carbon)" -- \
  "$PDLAB" sensitivity "$T/trend.toml" --factor policy.nope.trend=0:0.5 --method morris --trajectories 2 -r 2 --out "$T/sens_nope.csv"
check fit_trend_runs 0 "prefecture" -- "$PDLAB" check-fit "$T/trend.toml" --events "$DC/events.csv" -r 10
# A --covariates variable constant within each unit (log GDP per capita, given once per city)
# is carried per unit: its values in a CSV beside the fitted scenario, which joins them with
# hierarchy.attributes, and its coefficient as adoption.beta (before 2026-12-07 it was folded
# into the intercept at its mean and the simulated 2023 share ran low).
check fit_carries_constant_covariate 0 "'log_gdp_pc' (--covariates) is constant within each unit" -- \
  "$PDLAB" fit "$DC/dual_carbon.toml" --events "$DC/events.csv" --covariates "$DC/covariates.csv" \
  --static migrant_share --level prefecture --terms "horizontal + trend + migrant_share + log_gdp_pc" \
  --out "$T/carried.toml"
cp "$T/err" "$T/carried_err"
check fit_carried_file_written 0 "wrote .*carried_attributes.csv" -- cat "$T/carried_err"
ok fit_carried_file_rows test "$(wc -l < "$T/carried_attributes.csv")" = 343
check fit_carried_joined 0 "attributes = \[ 'carried_attributes.csv' \]" -- cat "$T/carried.toml"
check fit_carried_beta 0 "log_gdp_pc = " -- cat "$T/carried.toml"
check check_fit_carried 0 "prefecture" -- "$PDLAB" check-fit "$T/carried.toml" --events "$DC/events.csv" -r 10
check compare_carried 0 "" -- "$PDLAB" compare "$T/carried.toml" --vary adoption.gamma_horizontal=0,1 -r 3 \
  --out "$T/carried_cmp.csv"
# The attributes file is refused when it exists, as the scenario is, and nothing is written.
rm -f "$T/carried.toml"
check fit_carried_file_exists 73 "carried_attributes.csv" -- \
  "$PDLAB" fit "$DC/dual_carbon.toml" --events "$DC/events.csv" --covariates "$DC/covariates.csv" \
  --static migrant_share --level prefecture --terms "horizontal + log_gdp_pc" --out "$T/carried.toml"
ok fit_carried_scenario_not_written test ! -e "$T/carried.toml"
# Period dummies from --covariates and factor(period) are a time profile, carried as the
# fitted policy's profile ([policy.profile.NAME]: weight and values by date; before 2026-12-08
# `set adoption.alpha_shift` events, not drawn); a term folded into the intercept gets a note
# with the fitted model's expected adoptions with each row's values and at the means.
awk -F, 'NR > 1 && $3 == "log_gdp_pc" {print $1 ",2020,d2023,0"; print $1 ",2023,d2023,1"}' \
  "$DC/covariates.csv" | { echo "unit_id,time,variable,value"; cat; } > "$T/dummies.csv"
check fit_time_profile_carried 0 "'d2023' varies only over time (one value a period): the fitted scenario carries it as the policy's profile" -- \
  "$PDLAB" fit "$DC/dual_carbon.toml" --events "$DC/events.csv" --covariates "$T/dummies.csv" \
  --level prefecture --terms "horizontal + d2023" --out "$T/dummies.toml"
ok fit_time_profile_no_events bash -c "! grep -q 'adoption.alpha_shift' '$T/dummies.toml'"
ok fit_time_profile_table grep -q "^ *\[policy.profile.d2023\]" "$T/dummies.toml"
check fit_folded_expected 0 "adoptions with each row's own values and .* with the folded terms at their means" -- \
  "$PDLAB" fit "$DC/dual_carbon.toml" --events "$DC/events.csv" --covariates "$DC/covariates.csv" \
  --level prefecture --terms "horizontal + horizontal:log_gdp_pc" --out "$T/folded.toml"
check fit_factor_period 0 "'factor(period)1', 'factor(period)2', 'factor(period)3' vary only over time" -- \
  "$PDLAB" fit "$DC/dual_carbon.toml" --events "$DC/events.csv" --level prefecture \
  --terms "horizontal + factor(period)" --out "$T/factor.toml"
ok fit_factor_period_profiles test "$(grep -c "^ *\[policy.profile.'factor(period)[123]'\]" "$T/factor.toml")" = 3
ok fit_factor_period_keys test "$(grep -c "'policy.dual_carbon.profile.factor(period)[123].weight'" "$T/factor.toml")" = 3
# Drawn: each replicate runs with its own weights of the period effects.
check fit_factor_period_draws_differ 0 "policy.dual_carbon.profile.factor(period)2.weight|3|3" -- bash -c \
  "'$PDLAB' run '$T/factor.toml' --set uncertainty.draw=true -r 3 -t 1 --out '$T/factor_draws.sqlite' >/dev/null 2>&1 && sqlite3 '$T/factor_draws.sqlite' \"SELECT key, count(*), count(DISTINCT value) FROM draws WHERE key = 'policy.dual_carbon.profile.factor(period)2.weight' GROUP BY key\""
check profiles_in_policies_table 0 "^dual_carbon|factor(period)1=[-0-9.e]*; factor(period)2=[-0-9.e]*; factor(period)3=[-0-9.e]*$" -- sqlite3 "$T/factor_draws.sqlite" \
  "SELECT policy_id, profiles FROM policies"
check no_profiles_null 0 "^dual_carbon|1$" -- sqlite3 "$T/trend_draws.sqlite" \
  "SELECT policy_id, profiles IS NULL FROM policies"
# A profile's weight is a key of --set (held under draws), compare and sensitivity; an unknown
# profile is refused naming the policy's profiles.
check set_profile_weight_held 0 "uncertainty: policy.dual_carbon.profile.factor(period)3.weight is held at 0.5 in every replicate" -- \
  "$PDLAB" run "$T/factor.toml" --set uncertainty.draw=true --set "policy.dual_carbon.profile.factor(period)3.weight=0.5" -r 2 -t 1 --out "$T/factor_held.sqlite"
check compare_profile_weight 0 "policy.dual_carbon.profile.factor(period)3.weight" -- \
  "$PDLAB" compare "$T/factor.toml" --vary "policy.dual_carbon.profile.factor(period)3.weight=0,2" -r 2 -t 1 --out "$T/cmp_profile.csv"
check sensitivity_profile_unknown 64 "'policy.dual_carbon.profile.factor(period)4.weight' names no policy, booster or profile of the scenario (its policies: dual_carbon (profile factor(period)1, factor(period)2, factor(period)3))" -- \
  "$PDLAB" sensitivity "$T/factor.toml" --factor "policy.dual_carbon.profile.factor(period)4.weight=0:1" --method morris --trajectories 2 -r 2 --out "$T/sens_profile.csv"
check drawn_profile_unknown 78 "policy 'dual_carbon' has no profile 'factor(period)9' (its profiles: factor(period)1, factor(period)2, factor(period)3)" -- \
  "$PDLAB" validate "$T/factor.toml" --set "uncertainty.keys=['policy.dual_carbon.profile.factor(period)9.weight']" --set "uncertainty.estimate=[0.0]" --set "uncertainty.covariance=[[0.1]]"
# Trained to 2022, the held-out 2023 keeps 2022's period effect, and its interval widens under
# the drawn weights.
"$PDLAB" check-fit "$T/factor.toml" --events "$DC/events.csv" --train-until 2022 -r 40 > "$T/cf_at.txt" 2>&1
"$PDLAB" check-fit "$T/factor.toml" --events "$DC/events.csv" --train-until 2022 -r 40 --set uncertainty.draw=true > "$T/cf_drawn.txt" 2>&1
width() { sed -n 's/^  2023 .* model [0-9.]* \[\([0-9]*\), \([0-9]*\)\].*/\2 \1/p' "$1" | awk '{print $1 - $2}'; }
ok fit_factor_period_interval_widens test "$(width "$T/cf_drawn.txt")" -gt "$(width "$T/cf_at.txt")"
ok fit_factor_period_refit_drawn grep -q "factor(period)2 = .*one coefficient draw per replicate" "$T/cf_drawn.txt"
# A national series in large units (a dummy times 10 million) is scaled: its values lie in
# [-1, 1], and the fitted scenario loads (before the scaling, its values passed the reader's range).
awk -F, 'NR > 1 && $3 == "log_gdp_pc" {print $1 ",2020,big,30000000"; print $1 ",2023,big,40000000"}' \
  "$DC/covariates.csv" | { echo "unit_id,time,variable,value"; cat; } > "$T/big.csv"
check fit_large_series_scaled 0 "a series other than a dummy divided by its largest deviation" -- \
  "$PDLAB" fit "$DC/dual_carbon.toml" --events "$DC/events.csv" --covariates "$T/big.csv" \
  --level prefecture --terms "horizontal + big" --out "$T/big.toml"
check fit_large_series_runs 0 "" -- "$PDLAB" validate "$T/big.toml"
ok fit_large_series_values python3 -c "
import tomllib, sys
t = tomllib.load(open('$T/big.toml', 'rb'))
v = t['policy'][0]['profile']['big']['values']
sys.exit(0 if max(abs(x) for x in v) == 1.0 and len(v) == 2 else 1)"
# hierarchy.attributes joins per-unit columns onto the shipped China hierarchy too.
{ echo "unit_id,gdp"; for p in 3201 3202 3203 3204 3205 3206 3207 3208 3209 3210 3211 3212 3213; do
  echo "$p,${p#32}"; done; } > "$T/js_gdp.csv"
cat > "$T/js.toml" <<'TOML'
schema_version = 1
[calendar]
start_year = 2020
periods_per_year = 1
periods = 3
[hierarchy]
source = "china"
root = "32"
attributes = ["js_gdp.csv"]
[adoption]
alpha = { province = -inf, prefecture = -3, county = -inf, township = -inf, village = -inf }
beta = { gdp = 0.1 }
TOML
check attributes_china 0 "" -- "$PDLAB" validate "$T/js.toml"
check attributes_china_level_refused 78 "unit '320102' (level 'county') has no row in" -- \
  "$PDLAB" validate "$T/js.toml" --set adoption.alpha.county=-4
check fit_unknown_term 64 "no column 'gdp' in the risk set" -- "$PDLAB" fit "$DC/dual_carbon.toml" --events "$DC/events.csv" \
  --level prefecture --terms "horizontal + log(gdp)" --out "$T/bad.toml"
check fit_log_nonpositive 65 "log(horizontal) of a value that is not positive (unit" -- "$PDLAB" fit "$DC/dual_carbon.toml" \
  --events "$DC/events.csv" --level prefecture --terms "log(horizontal)" --out "$T/bad.toml"
check fit_edges_wrong_level 65 "the edge list links county units, but the units at risk are prefecture units" -- \
  "$PDLAB" fit "$DC/dual_carbon.toml" --events "$DC/events.csv" --level prefecture --edges china:county_adjacency --out "$T/bad.toml"
check riskset_edges_wrong_level 65 "prefecture_adjacency.csv:2: field 'from' = '1101': the edge list links prefecture units" -- \
  "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$DC/events.csv" --level county --edges "$DC/prefecture_adjacency.csv"
ok fit_bad_not_written test ! -e "$T/bad.toml"
check fit_shipped_edges 0 "horizontal" -- "$PDLAB" fit "$DC/dual_carbon.toml" --events "$DC/events.csv" --level prefecture \
  --edges china:prefecture --out "$T/shipped.toml"
printf 'unit_id,policy_id,time\n1101,p,2021\n11,order,2020\n12,order,2021\n1201,p,2022\n' > "$T/order_events.csv"
check riskset_event_covariate 0 "1 policy$" -- "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$T/order_events.csv" \
  --level prefecture --event-covariate order --terms "trend" --out "$T/order_rs.csv"
check riskset_event_covariate_cols 0 "adopted.order,trend" -- head -1 "$T/order_rs.csv"
check riskset_event_covariate_beijing 0 "^1101,11,prefecture,p,1,.*,0,0,0,1,1$" -- grep "^1101," "$T/order_rs.csv"
printf 'unit_id,time,variable,value\n11,2020,order,0\n11,2021,order,1\n' > "$T/order_cov.csv"
check riskset_inherit 0 "^1101,11,prefecture,p,1,.*,0,0,0,1$" -- bash -c "'$PDLAB' riskset '$DC/dual_carbon.toml' --events '$T/order_events.csv' --policy p --level prefecture --covariates '$T/order_cov.csv' --inherit order 2>/dev/null | grep '^1101,'"
check riskset_inherit_unknown 64 "use one of: order" -- "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$T/order_events.csv" \
  --covariates "$T/order_cov.csv" --inherit ordr
# fit carries an --event-covariate as the other policy (replayed) and a booster of the fitted
# one; where the two would count different superiors (a provincial order, counties at risk),
# it folds the term and its note says why and which booster a modeller could write.
printf 'unit_id,policy_id,time\n1101,p,2021\n1301,p,2022\n1401,p,2021\n1501,p,2023\n1302,p,2022\n1201,p,2023\n11,order,2020\n12,order,2021\n13,order,2021\n' > "$T/order_fit_events.csv"
check fit_event_covariate_note 0 "'adopted.order' (policy order's adoption, --event-covariate) is carried as policy order: the fitted scenario replays its 3 observed adoptions" -- \
  "$PDLAB" fit "$DC/dual_carbon.toml" --events "$T/order_fit_events.csv" --policy p --level prefecture \
  --event-covariate order --terms "adopted.order" --out "$T/order_fit.toml"
check fit_event_covariate_booster 0 "^ *order = -\?[0-9]" -- cat "$T/order_fit.toml"
check fit_event_covariate_replayed 0 "pdlab_ok" -- python3 -c "
import sys, tomllib
t = tomllib.load(open(sys.argv[1], 'rb'))
q = [p for p in t['policy'] if p['id'] == 'order']
ev = [e for e in t['event'] if e.get('policy') == 'order' and e['type'] == 'adopt']
ok = (t['policy'][0]['id'] == 'p' and 'order' in t['policy'][0]['boosted_by']
      and q and q[0]['alpha_shift'] == -50 and sorted(u for e in ev for u in e['units']) == ['11', '12', '13'])
print('pdlab_ok' if ok else t)" "$T/order_fit.toml"
check fit_event_covariate_runs 0 "only the events of policy 'p' are compared" -- "$PDLAB" check-fit "$T/order_fit.toml" --events "$T/order_fit_events.csv" -r 20
printf 'unit_id,policy_id,time\n110101,p,2021\n130102,p,2022\n140105,p,2021\n120101,p,2023\n130104,p,2022\n150102,p,2023\n110105,p,2022\n11,order,2020\n12,order,2021\n13,order,2021\n' > "$T/order_county_events.csv"
check fit_event_covariate_folded 0 "is carried folded into the intercepts at its mean, not as policy order (11 adopted it at province level, more than one level above the county units at risk" -- \
  "$PDLAB" fit "$DC/dual_carbon.toml" --events "$T/order_county_events.csv" --policy p --level county --edges china:county_adjacency \
  --event-covariate order --terms "adopted.order" --out "$T/order_county.toml"
# A US-like scenario of one's own (tests/bad_inputs/us_own.*: no population column, promotion
# at its defaults) with SPID-like events: aboldeapen adopted by AL and AK before the calendar's
# start (1960). The risk set does not check the pilots' ranking column; --policy reads only its
# own rows (aboldeapen's 1957 on line 2 does not stop threestrikes).
US="$SRC/tests/bad_inputs"
check riskset_us_policy_filter 0 "risk set of 31 rows, 2 events, 1 policy" -- "$PDLAB" riskset "$US/us_own.toml" \
  --events "$US/us_own_events.csv" --policy threestrikes --level state --out "$T/us_ts.csv"
# --before-start adopted: AL and AK are no rows (not 10 rows each as never-adopters), count as
# adopters in the others' exposures from 1960 (2 of 3 siblings), and a note says so.
check riskset_before_start_adopted 0 "risk set of 16 rows, 1 events" -- \
  "$PDLAB" riskset "$US/us_own.toml" --events "$US/us_own_events.csv" --policy aboldeapen --level state --before-start adopted --out "$T/us_abol.csv"
cp "$T/err" "$T/us_abol.err"
check riskset_before_start_note 0 "note: 2 units adopted policy 'aboldeapen' before the calendar's start (1960) and are not at risk (--before-start adopted): they count as adopters from the start in the exposures of the others" -- cat "$T/us_abol.err"
ok riskset_before_start_not_at_risk bash -c "grep -q '^AZ,' '$T/us_abol.csv' && ! grep -q '^A[LK],' '$T/us_abol.csv'"
check riskset_before_start_exposure 0 "^OR,US,state,aboldeapen,0,1960,0,1,0,1,0,0,0.666666" -- cat "$T/us_abol.csv"
# An --event-covariate adopted before the start is 1 from the start.
check riskset_before_start_event_covariate 0 "^AL,US,state,threestrikes,0,1960,.*,1$" -- "$PDLAB" riskset "$US/us_own.toml" \
  --events "$US/us_own_events.csv" --policy threestrikes --event-covariate aboldeapen --before-start adopted --level state --out -
# --edges-directed: AZ -> OR is one way, so OR's adoption (1966) exposes no one; AL <-> AK both.
check riskset_edges_directed 0 "" -- "$PDLAB" riskset "$US/us_own.toml" --events "$US/us_own_events.csv" --policy threestrikes \
  --level state --edges "$US/us_own_directed_edges.csv" --edges-directed --set adoption.sibling_weight=0 --out "$T/us_dir.csv"
check riskset_edges_directed_ak 0 "^AK,US,state,threestrikes,4,1964,.*,0,1,0$" -- cat "$T/us_dir.csv"
check riskset_edges_directed_az 0 "^AZ,US,state,threestrikes,7,1967,.*,0,0,0$" -- cat "$T/us_dir.csv"
# --start first-adoption: threestrikes' rows begin at its first adoption (AL, 1963), duration 1.
check riskset_start_first_adoption 0 "risk set of 19 rows, 2 events" -- "$PDLAB" riskset "$US/us_own.toml" \
  --events "$US/us_own_events.csv" --policy threestrikes --level state --start first-adoption --out "$T/us_first.csv"
check riskset_start_first_rows 0 "^AL,US,state,threestrikes,3,1963,3,4,1,1,0," -- sed -n 2p "$T/us_first.csv"
{ cat "$US/us_own_events.csv"; echo "OR,lateone,1975"; } > "$T/us_late.csv"
check riskset_start_unstarted_note 0 "note: 1 policy has no adoption before the horizon, so no rows (--start first-adoption starts a policy's risk at its first adoption): lateone" -- \
  "$PDLAB" riskset "$US/us_own.toml" --events "$T/us_late.csv" --level state --start first-adoption --before-start adopted --out "$T/us_late_rs.csv"
check riskset_help_before_start 0 "Deleting such events instead would make those units never-adopters" -- "$PDLAB" riskset --help
check riskset_help_edges_directed 0 "read as symmetric" -- "$PDLAB" riskset --help
check fit_validates 0 "valid." -- "$PDLAB" validate "$T/fitted.toml"
check fit_runs 0 "" -- "$PDLAB" run "$T/fitted.toml" --out "$T/fitted.sqlite" -r 4
check check_fit_ok 0 "prefecture" -- "$PDLAB" check-fit "$T/fitted.toml" --events "$DC/events.csv" -r 20 --out "$T/check.csv"
check check_fit_threads 0 "prefecture" -- "$PDLAB" check-fit "$T/fitted.toml" --events "$DC/events.csv" -r 3 -t 1
ok check_fit_few_replicates_noted grep -q "the 90% bands are the 5% and 95% quantiles of 3 replicates" "$T/err"
check check_fit_out_stdout 0 "" -- "$PDLAB" check-fit "$T/fitted.toml" --events "$DC/events.csv" -r 4 --out -
ok check_fit_out_stdout_is_csv test "$(head -n 1 "$T/out")" = "level,period,date,observed,sim_mean,sim_q05,sim_q95,inside"
ok check_fit_out_stdout_summary_on_stderr grep -q "Observed vs simulated" "$T/err"
# The fitted scenario names its policy after its events; check-fit refuses, before simulating,
# events of another policy and events with nothing to compare.
check fit_names_policy 0 "^id = 'dual_carbon'" -- grep -A1 '^\[\[policy\]\]' "$T/fitted.toml"
printf 'unit_id,policy_id,time\n1101,other,2020\n' > "$T/other_policy.csv"
check check_fit_other_policy 65 "no event of the scenario's policy 'dual_carbon' (the events' policy ids: other)" -- \
  "$PDLAB" check-fit "$T/fitted.toml" --events "$T/other_policy.csv" -r 2
# Many policies: their count and the nearest ten, with a suggestion, not every id.
{ printf 'unit_id,policy_id,time\n'; for i in $(seq 1 30); do printf '1101,p%02d,2020\n' "$i"; done; printf '1101,dual_carbn,2020\n'; } > "$T/many_policies.csv"
check check_fit_many_policies 65 "(the events hold 31 policy ids; the 10 nearest: dual_carbn, " -- \
  "$PDLAB" check-fit "$T/fitted.toml" --events "$T/many_policies.csv" -r 2
ok check_fit_many_policies_fix grep -q "Fix: did you mean 'dual_carbn'?" "$T/err"
ok check_fit_many_policies_short bash -c "! grep -q 'p30' '$T/err'"
printf 'unit_id,policy_id,time\n1101,dual_carbon,2030\n11,dual_carbon,2020\n' > "$T/nothing_to_compare.csv"
check check_fit_nothing_to_compare 65 "none falls within the scenario's calendar (2020 to 2023) at a level that can adopt" -- \
  "$PDLAB" check-fit "$T/fitted.toml" --events "$T/nothing_to_compare.csv" -r 2
check oos_other_policy 65 "no event of the scenario's policy" -- \
  "$PDLAB" check-fit "$T/fitted.toml" --events "$T/other_policy.csv" --train-until 2021 -r 2
# Two policies in the events: in sample and out of sample alike, only the scenario's policy is
# read, and a note says so; --policy names another; every period is printed with its band.
check check_fit_two_policies 0 "only the events of policy 'dual_carbon' are compared, the scenario's policy; --policy names another (the events' policy ids: dual_carbon, dc_doc)" -- \
  "$PDLAB" check-fit "$T/fitted.toml" --events "$T/ev2.csv" -r 4 -t 1
ok check_fit_every_period bash -c "grep -q 'prefecture by period:' '$T/out' && grep -Eq '^  2021 .*(inside|BELOW|ABOVE)\$' '$T/out' && grep -Eq '^  2023 ' '$T/out'"
check oos_two_policies 0 "constant_hazard" -- "$PDLAB" check-fit "$T/fitted.toml" --events "$T/ev2.csv" --train-until 2022 -r 4 -t 1
ok oos_two_policies_note grep -q "only the events of policy 'dual_carbon' are compared" "$T/err"
check check_fit_policy_option 0 "(--policy)" -- "$PDLAB" check-fit "$T/fitted.toml" --events "$T/ev2.csv" --policy dc_doc -r 4 -t 1
check check_fit_policy_missing 65 "no event of policy (--policy) 'dc_dco' (the events' policy ids: dual_carbon, dc_doc). Fix: did you mean 'dc_doc'?" -- \
  "$PDLAB" check-fit "$T/fitted.toml" --events "$T/ev2.csv" --policy dc_dco --train-until 2022 -r 2
# An output that is one of the inputs is refused before the simulation (it was after it).
cp "$DC/events.csv" "$T/events_copy.csv"
check check_fit_out_is_input 73 "the output is one of this run's inputs" -- \
  "$PDLAB" check-fit "$T/fitted.toml" --events "$T/events_copy.csv" --out "$T/events_copy.csv" --force -r 2
ok check_fit_out_is_input_before_simulating bash -c "! '$PDLAB' check-fit '$T/fitted.toml' --events '$T/events_copy.csv' --out '$T/fitted.toml' --force -r 2 2>&1 | grep -q Observed"
ok check_fit_out_is_input_kept cmp -s "$DC/events.csv" "$T/events_copy.csv"
check fit_uncertainty 0 "adoption.beta.urban_share" -- sed -n '/^\[uncertainty\]/,$p' "$T/fitted.toml"
check check_fit_draws 0 "prefecture" -- "$PDLAB" check-fit "$T/fitted.toml" --events "$DC/events.csv" -r 10 --set uncertainty.draw=true
# A run with parameter draws records each replicate's drawn values (table draws): each key x 3
# replicates, different in each replicate.
check run_draws_recorded 0 "" -- "$PDLAB" run "$T/fitted.toml" -r 3 --set uncertainty.draw=true --out "$T/draws.sqlite"
check run_draws_table 0 "^adoption.alpha.prefecture|3|3$" -- sqlite3 "$T/draws.sqlite" \
  "SELECT key, count(*), count(DISTINCT value) FROM draws GROUP BY key ORDER BY key"
check report_draws_note 0 "" -- "$PDLAB" report "$T/draws.sqlite" --out "$T/draws.html"
# A value given for a drawn key holds it there (uncertainty.held): the key keeps the value in
# every replicate and the other keys take the draws they take without the hold (a paired
# counterfactual with the other estimates' uncertainty; this was refused before 2026-12-07).
check run_held 0 "note: uncertainty: adoption.gamma_horizontal is held at 0 in every replicate, not drawn" -- "$PDLAB" run "$T/fitted.toml" -r 3 --set uncertainty.draw=true --set adoption.gamma_horizontal=0 --out "$T/held.sqlite"
check run_held_value 0 "^adoption.gamma_horizontal|3|0.0$" -- sqlite3 "$T/held.sqlite" \
  "SELECT key, count(*), max(value) FROM draws WHERE key = 'adoption.gamma_horizontal' AND value = 0 GROUP BY key"
ok run_held_others_same bash -c "[ \"\$(sqlite3 '$T/held.sqlite' \"SELECT replicate, key, value FROM draws WHERE key <> 'adoption.gamma_horizontal' ORDER BY 1, 2\")\" = \"\$(sqlite3 '$T/draws.sqlite' \"SELECT replicate, key, value FROM draws WHERE key <> 'adoption.gamma_horizontal' ORDER BY 1, 2\")\" ]"
check run_held_resolved 0 "held = \[ 'adoption.gamma_horizontal' \]" -- sqlite3 "$T/held.sqlite" "SELECT toml FROM scenarios"
# examples/dual_carbon §5: a design added to a fitted scenario with a trend (the trend is the
# policy's, so the fitted scenario has no event and the new one is event.0) and compared by mode.
"$PDLAB" fit "$DC/dual_carbon.toml" --events "$DC/events.csv" --covariates "$DC/covariates.csv" \
  --static migrant_share,urban_share --level prefecture \
  --terms "horizontal + trend + migrant_share + urban_share + log_gdp_pc" --out "$T/fitted_trend.toml" > "$T/fit_trend.log" 2>&1
cp "$T/fitted_trend.toml" "$T/gd.toml"
printf '\n[[event]]\ntype = "adopt"\ndate = "2021"\npolicy = "dual_carbon"\nunits = ["44"]\nmode = "endorse"\n' >> "$T/gd.toml"
printf 'variant,event.0.mode,event.0.deadline\nendorse,endorse,none\nmandate by 2022,mandate,2022\n' > "$T/modes.csv"
check example_mandate_design 0 "share_at_end (prefecture.*mandate by 2022  *0\.0[3-5]" -- bash -c \
  "'$PDLAB' compare '$T/gd.toml' --variants '$T/modes.csv' -r 4 -t 1 --out '$T/modes.sqlite' 2>&1 | tr '\n' ' '"
GH=$(sed -n 's/^gamma_horizontal = //p' "$T/fitted.toml")
check compare_held 0 "each replicate ran with its own draw of adoption.alpha.prefecture, adoption.gamma_horizontal, .* Held at the variant's own value, not drawn: adoption.gamma_horizontal in \"adoption.gamma_horizontal=0\"" -- \
  "$PDLAB" compare "$T/fitted.toml" --set uncertainty.draw=true --vary "adoption.gamma_horizontal=$GH,0" -r 3 -t 1 --out "$T/cmp_held.sqlite"
# Under draws the t interval is only the Monte Carlo error of the mean difference: the digest
# says the spread of the paired differences across the draws carries the estimation
# uncertainty, prints it beside each headline interval, and warns that the variant holds the
# drawn key it sets (it said "the intervals include that", and the hold only in one long line).
check compare_spread_drawn 0 "the t intervals do not carry that uncertainty .* Spread: the 2.5-97.5% range of the paired differences across the draws (diff_q025 to diff_q975) is what carries the parameters' estimation uncertainty" -- \
  "$PDLAB" compare "$T/fitted.toml" --set uncertainty.draw=true --vary "adoption.gamma_horizontal=$GH,0" -r 8 -t 1 --out "$T/cmp_spread.sqlite"
ok compare_spread_digest_line grep -q "^    adoption.gamma_horizontal=0  .*\]  across draws \[-[0-9.e-]*, [-0-9.e]*\]" "$T/out"
ok compare_spread_no_include bash -c "! grep -q 'the intervals include that' '$T/out'"
ok compare_held_warned grep -q 'warning: variant "adoption.gamma_horizontal=0": adoption.gamma_horizontal is among the keys uncertainty.draw draws, but this variant sets it, so it is held fixed at 0 in this variant' "$T/err"
ok compare_held_exact_not_warned bash -c "! grep -q 'variant \"adoption.gamma_horizontal=$GH\"' '$T/err'"
# diff_q025 and diff_q975 are the type-7 quantiles of the per-replicate paired differences in
# compare_replicates (R's and numpy's default), for every variant row.
ok compare_spread_from_replicates python3 -c "
import sqlite3, sys
def type7(d, p):
    d = sorted(d)
    h = (len(d) - 1) * p
    lo = int(h)
    hi = min(lo + 1, len(d) - 1)
    return d[lo] + (h - lo) * (d[hi] - d[lo])
db = sqlite3.connect(sys.argv[1])
base = db.execute('SELECT variant FROM compare ORDER BY rowid LIMIT 1').fetchone()[0]
rows = db.execute('SELECT outcome, statistic, policy_id, level, variant, diff_q025, diff_q975 FROM compare').fetchall()
checked = 0
for o, st, p, lv, v, q1, q2 in rows:
    def vals(var):
        return dict(db.execute('SELECT replicate, value FROM compare_replicates WHERE variant = ? AND outcome = ? AND statistic = ? AND IFNULL(policy_id, \'\') = IFNULL(?, \'\') AND level = ?', (var, o, st, p, lv)).fetchall())
    a, b = vals(v), vals(base)
    d = [a[r] - b[r] for r in a if a[r] is not None and b.get(r) is not None]
    assert len(d) >= 2, (o, v)
    assert abs(q1 - type7(d, 0.025)) <= 1e-12 * (1 + abs(q1)), (o, v, q1, type7(d, 0.025))
    assert abs(q2 - type7(d, 0.975)) <= 1e-12 * (1 + abs(q2)), (o, v, q2, type7(d, 0.975))
    checked += 1
assert checked > 0
" "$T/cmp_spread.sqlite"
ok compare_spread_meta bash -c "[ \"\$(sqlite3 '$T/cmp_spread.sqlite' \"SELECT value FROM meta WHERE key = 'parameters_drawn'\")\" = 'every variant' ]"
# A baseline value that rounds the fitted one holds the key in that variant too, silently
# taking its uncertainty out of both sides: a warning says it looks like a rounding and gives
# the exact value.
# (The exact value as the shortest text that reads back as the same number, Python's repr.)
GHR=$(python3 -c "print(round($GH, 4))")
GHX=$(python3 -c "print(repr($GH))")
check compare_held_rounding 0 "warning: variant \"adoption.gamma_horizontal=$GHR\": .*held fixed at $GHR .*it looks like a rounding of the fitted value. To draw the key in this variant give the exact value (adoption.gamma_horizontal=$GHX)" -- \
  "$PDLAB" compare "$T/fitted.toml" --set uncertainty.draw=true --vary "adoption.gamma_horizontal=$GHR,0" -r 2 -t 1 --out "$T/cmp_rounded.csv"
# Without draws the spread is the run-to-run variation, and the digest says so.
check compare_spread_fixed 0 "Each line: the mean paired difference  \[its 95% t interval\]  across runs \[2.5%, 97.5% of the paired differences\]" -- \
  "$PDLAB" compare "$T/fitted.toml" --vary "adoption.gamma_horizontal=$GH,0" -r 3 -t 1 --out "$T/cmp_fixed_spread.csv"
ok compare_spread_csv_columns bash -c "head -1 '$T/cmp_fixed_spread.csv' | grep -q ',diff_lo,diff_hi,diff_q025,diff_q975,unit,censored$'"
check report_draws_note_text 0 "each replicate ran with its own draw of adoption.alpha.prefecture, " -- cat "$T/draws.html"
# A study with no results, or without its meta table, is named for what it lacks (an empty one
# gave a page of five empty charts, exit 0; one without meta was said to have no summary_time);
# a report name that is not .html is refused (HTML was written as .pdf, and "-" as a file).
cp "$T/draws.sqlite" "$T/rep_empty.sqlite" && sqlite3 "$T/rep_empty.sqlite" "DELETE FROM summary_time; DELETE FROM runs;"
check report_empty_study 65 "the study holds no results (its summary_time table is empty)" -- \
  "$PDLAB" report "$T/rep_empty.sqlite" --out "$T/rep_empty.html"
ok report_empty_study_nothing_written test ! -e "$T/rep_empty.html"
cp "$T/draws.sqlite" "$T/rep_nometa.sqlite" && sqlite3 "$T/rep_nometa.sqlite" "DROP TABLE meta;"
check report_no_meta 65 "not a pdlab study (no meta table)" -- "$PDLAB" report "$T/rep_nometa.sqlite" --out "$T/rep_nometa.html"
check report_not_html 64 "the report is an HTML page, but the name does not end in .html" -- \
  "$PDLAB" report "$T/draws.sqlite" --out "$T/draws.pdf"
check report_stdout_refused 64 "name it .html" -- bash -c "cd '$T' && exec '$PDLAB' report '$T/draws.sqlite' --out -"
ok report_not_html_nothing_written test ! -e "$T/draws.pdf" -a ! -e "$T/-"
check drawn_key_with_draw_off 0 "wrote" -- "$PDLAB" run "$SRC/tests/bad_inputs/uncertainty_drawn.toml" -r 2 --set uncertainty.draw=false --set adoption.gamma_vertical=0 --out "$T/drawn_off.sqlite"
check check_fit_csv 0 "level,period,date,observed,sim_mean,sim_q05,sim_q95,inside" -- cat "$T/check.csv"
check oos_ok 0 "constant_hazard" -- "$PDLAB" check-fit "$T/fitted.toml" --events "$DC/events.csv" --train-until 2022 -r 20 --out "$T/oos.csv"
# Terms the training events cannot estimate are set to 0 and said to be so, never printed as nan.
check oos_aliased_named 0 "vertical = 0 (aliased)" -- "$PDLAB" check-fit "$T/fitted.toml" --events "$DC/events.csv" --train-until 2022 -r 2
ok oos_prints_no_nan bash -c "! '$PDLAB' check-fit '$T/fitted.toml' --events '$DC/events.csv' --train-until 2022 -r 2 2>&1 | grep -qi nan"
check oos_csv 0 "method,train_until,first_scored,last_scored,units,events,replicates,log_score,brier,crps,coverage50,coverage90,seconds" -- cat "$T/oos.csv"
check oos_rows 0 "^logistic,2022,2023,2023,291,39,20," -- cat "$T/oos.csv"
check oos_after_data 64 "after the data" -- "$PDLAB" check-fit "$T/fitted.toml" --events "$DC/events.csv" --train-until 2030 --out "$T/oos_bad.csv"
check oos_one_period 64 "the training window is one period (2020)" -- "$PDLAB" check-fit "$T/fitted.toml" --events "$DC/events.csv" --train-until 2020 --out "$T/oos_one.csv"
check oos_before_data 64 "before the calendar" -- "$PDLAB" check-fit "$T/fitted.toml" --events "$DC/events.csv" --train-until 2015 --out "$T/oos_bad.csv"
check oos_separated 65 "cannot estimate the hazard" -- "$PDLAB" check-fit "$T/fitted.toml" --events "$DC/events.csv" --train-until 2021 -r 2 --out "$T/oos_bad.csv"
check oos_last_period 64 "no period is left" -- "$PDLAB" check-fit "$T/fitted.toml" --events "$DC/events.csv" --train-until 2023 --out "$T/oos_bad.csv"
ok oos_bad_not_written test ! -e "$T/oos_bad.csv"
# The fitted scenario restricted to a subtree (Guangdong, as a user edits it: hierarchy.root
# and no intercept of the level above): check-fit says how many events it ignored, as fit and
# riskset do (it compared 6 of the 90 events silently).
sed -e "/^\[hierarchy\]/a root = '44'" -e '/^ *nation = -inf$/d' "$T/fitted.toml" > "$T/fitted_gd.toml"
check check_fit_subtree_note 0 "note: 84 events of units outside the scenario's subtree (hierarchy.root) were ignored" -- \
  "$PDLAB" check-fit "$T/fitted_gd.toml" --events "$DC/events.csv" -r 4 -t 1
"$PDLAB" fit "$DC/dual_carbon.toml" --events "$DC/events.csv" --level prefecture --terms trend --out "$T/fitted_trend_only.toml" >/dev/null 2>&1
sed -e "/^\[hierarchy\]/a root = '36'" -e '/^ *nation = -inf$/d' "$T/fitted_trend_only.toml" > "$T/fitted_jx.toml"
check oos_subtree_note 0 "note: 80 events of units outside the scenario's subtree (hierarchy.root) were ignored" -- \
  "$PDLAB" check-fit "$T/fitted_jx.toml" --events "$DC/events.csv" --train-until 2022 -r 4 -t 1
# A fit with a time-varying covariate (--covariates) cannot be refitted out of sample: said in
# check-fit's words, naming the term and the terms to fit instead (it blamed --terms, which
# check-fit was not given, and suggested --covariates, which it has not). One constant within
# each unit (log_gdp_pc) is carried as a hierarchy column since 2026-12-07, and refits.
check oos_carried_term_refits 0 "log_gdp_pc = " -- \
  "$PDLAB" check-fit "$T/trend.toml" --events "$DC/events.csv" --train-until 2022 -r 2 -t 1
check oos_time_varying_term 64 "dummies.toml:2: field '# Terms' = 'd2023': --train-until refits the fit's terms" -- \
  "$PDLAB" check-fit "$T/dummies.toml" --events "$DC/events.csv" --train-until 2022 -r 2 -t 1
ok oos_time_varying_term_fix grep -q 'fit again without it (pdlab fit ... --terms "horizontal")' "$T/err"
ok oos_time_varying_term_not_terms_option bash -c "! grep -q \"field '--terms'\" '$T/err'"
# A trend written as one `set adoption.alpha_shift` event a period (as fit wrote it before
# 2026-12-07, or by hand) run past its last event stays at its last value: said with the date,
# the value and the fix (it froze silently); a run at the fitted horizon says nothing. The
# policy's `trend`, as fit writes it now, goes on by itself.
B=$(sed -n 's/^trend = //p' "$T/trend.toml")
sed '/^trend = /d' "$T/trend.toml" > "$T/trend_ev.toml"
for t in 1 2 3; do
  printf '\n[[event]]\ntype = "set"\ndate = "%s"\npolicy = "dual_carbon"\nkey = "adoption.alpha_shift"\nvalue = %s\n' \
    "$((2020 + t))" "$(awk -v b="$B" -v t="$t" 'BEGIN { printf "%.17g", b * t }')" >> "$T/trend_ev.toml"
done
check trend_frozen_warned 0 "event\[2\] (set adoption.alpha_shift at 2023 = [0-9.e+-]*, policy 'dual_carbon') is the last of the 3 events of a trend" -- \
  "$PDLAB" validate "$T/trend_ev.toml" --set calendar.periods=10
ok trend_frozen_fix grep -q "give policy 'dual_carbon' \`trend = [0-9.e+-]*\` in its \[\[policy\]\] table in place of these events, .*or accept a constant hazard after 2023" "$T/err"
ok trend_own_horizon_quiet bash -c "! '$PDLAB' validate '$T/trend_ev.toml' 2>&1 | grep -q 'of a trend'"
ok trend_monthly_own_horizon_quiet bash -c "! '$PDLAB' validate '$T/trend_ev.toml' --set calendar.periods_per_year=12 --set calendar.periods=48 2>&1 | grep -q 'of a trend'"
check trend_frozen_check_fit 0 "is the last of the 3 events of a trend" -- \
  "$PDLAB" check-fit "$T/trend_ev.toml" --events "$DC/events.csv" --set calendar.periods=6 -r 2 -t 1
ok trend_field_goes_on bash -c "! '$PDLAB' validate '$T/trend.toml' --set calendar.periods=10 2>&1 | grep -q 'of a trend'"
# check-fit's .sqlite output has a meta table as compare's (it had none), in and out of sample,
# and the report reads it (with its provenance and what the bands cover).
check check_fit_sqlite 0 "wrote" -- "$PDLAB" check-fit "$T/fitted.toml" --events "$DC/events.csv" -r 3 -t 1 --out "$T/check.sqlite"
check check_fit_sqlite_meta 0 "^command_line,scenario_file,scenario_name,events_file,seed,replicates,intervals,pdlab_version,created_at$" -- \
  sqlite3 "$T/check.sqlite" "SELECT group_concat(key, ',') FROM meta"
check check_fit_sqlite_meta_values 0 "^dual_carbon_fitted|3|90% bands: the 5% and 95% quantiles" -- \
  sqlite3 "$T/check.sqlite" "SELECT (SELECT value FROM meta WHERE key = 'scenario_name'), (SELECT value FROM meta WHERE key = 'replicates'), (SELECT value FROM meta WHERE key = 'intervals')"
check check_fit_sqlite_report 0 "wrote" -- "$PDLAB" report "$T/check.sqlite" --out "$T/check.html"
ok check_fit_sqlite_report_intervals grep -q "Parameter uncertainty: none, the parameters are fixed" "$T/check.html"
check oos_sqlite 0 "wrote" -- "$PDLAB" check-fit "$T/fitted.toml" --events "$DC/events.csv" --train-until 2022 -r 2 -t 1 --out "$T/oos.sqlite"
check oos_sqlite_meta 0 "^train_until|2022$" -- sqlite3 "$T/oos.sqlite" "SELECT key, value FROM meta"
ok oos_sqlite_meta_intervals bash -c "sqlite3 '$T/oos.sqlite' \"SELECT value FROM meta WHERE key = 'intervals'\" | grep -q '^Forecast intervals: the central 90%'"
# A governance layer whose policy no community can adopt (the fitted scenario: -inf below the
# fitted level) says so up front, naming the key; compare prints n/a for the communities' depth
# where it was a bare 0, and cases likewise.
check gov_unreached_fitted 0 "governance: policy 'dual_carbon' (the first policy; governance.policy) can never be adopted at the community level 'village': adoption.alpha.village = -inf" -- \
  "$PDLAB" validate "$T/fitted.toml" --set calendar.periods_per_year=12 --set calendar.periods=48 --set coproduction.enabled=true
UNREACHED="--set adoption.alpha.township=-inf --set promotion.pilot=0 --set promotion.mandate=0"
check gov_unreached_toy 0 "can never be adopted at the community level 'township': adoption.alpha.township = -inf" -- \
  "$PDLAB" validate "$EX/toy_governance.toml" $UNREACHED
ok gov_unreached_fix grep -q "give the level an intercept (adoption.alpha.township) or a scripted adoption" "$T/err"
ok gov_reached_quiet bash -c "! '$PDLAB' validate '$EX/toy_governance.toml' --set adoption.alpha.township=-inf 2>&1 | grep -q 'community level'"
check gov_unreached_run 0 "can never be adopted at the community level" -- \
  "$PDLAB" run "$EX/toy_governance.toml" $UNREACHED -r 2 -t 1 --out "$T/unreached.sqlite"
check gov_unreached_compare 0 "depth last_year_mean (township; index (0-1)):" -- \
  "$PDLAB" compare "$EX/toy_governance.toml" $UNREACHED --vary stability.budget=50000,20000 -r 2 -t 1 --out "$T/unreached.csv"
ok gov_unreached_compare_na bash -c "grep -A1 'depth last_year_mean (township' '$T/out' | grep -q 'stability.budget=20000 *n/a (the community level never adopts)'"
ok gov_unreached_compare_warned grep -q "warning: governance: policy 'model'" "$T/err"
ok gov_unreached_compare_csv_kept grep -q "^depth,last_year_mean,,township,stability.budget=20000,2,0,0,0," "$T/unreached.csv"
check gov_unreached_sensitivity 0 "depth last_year_mean (township; index (0-1), for a change across the factor's range): n/a (the community level never adopts)" -- \
  "$PDLAB" sensitivity "$EX/toy_governance.toml" $UNREACHED --method morris --factor stability.budget=20000:50000 --trajectories 2 -r 1 -t 1 --out "$T/unreached_sens.csv"
mkdir -p "$T/unreached_cases" && sed "s#path = \"toy_hierarchy.csv\"#path = \"$EX/toy_hierarchy.csv\"#" "$EX/toy_governance.toml" > "$T/unreached_cases/toy_governance.toml"
check gov_unreached_cases 0 "n/a: the community level never adopts in toy_governance (township)" -- \
  "$PDLAB" cases "$T/unreached_cases" --out "$T/unreached_cases_out" $UNREACHED -r 2 -t 1
ok gov_unreached_cases_row grep -q "^toy_governance .* n/a .* n/a " "$T/out"
check fit_exists 73 "--force" -- "$PDLAB" fit "$DC/dual_carbon.toml" --events "$DC/events.csv" --out "$T/fitted.toml"
printf 'unit_id,policy_id,time\n9999,p,2021\n' > "$T/bad_events.csv"
check riskset_unknown_unit 65 "bad_events.csv:2: field 'unit_id' = '9999'" -- "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$T/bad_events.csv"
printf 'unit_id,policy_id,time\n1101,p,2021\n1101,p,2022\n' > "$T/dup_events.csv"
check riskset_duplicate 65 "duplicate event" -- "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$T/dup_events.csv"
# Weekly and daily calendars with ISO dates in the events (docs/model.md, Calendar).
printf 'unit_id,policy_id,time\n1101,p,2020-03-09\n1201,p,2020-W20\n' > "$T/iso_events.csv"
check riskset_weekly 0 "" -- "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$T/iso_events.csv" --level prefecture \
  --set calendar.periods_per_year=52 --set calendar.periods=30 --out "$T/rs_w.csv"
check riskset_weekly_rows 0 "^1101,11,prefecture,p,10,2020-W11,10,11,1," -- cat "$T/rs_w.csv"
check riskset_daily 0 "" -- "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$T/iso_events.csv" --level prefecture \
  --set calendar.periods_per_year=365 --set calendar.periods=200 --out "$T/rs_d.csv"
check riskset_daily_rows 0 "^1201,12,prefecture,p,131,2020-05-11,131,132,1," -- cat "$T/rs_d.csv"
printf 'unit_id,policy_id,time\n1101,p,2021-W53\n' > "$T/w53_events.csv"
check riskset_bad_week 65 "w53_events.csv:2: field 'time' = '2021-W53': ISO year 2021 has weeks W01 to W52" -- \
  "$PDLAB" riskset "$DC/dual_carbon.toml" --events "$T/w53_events.csv" --set calendar.periods_per_year=52

# Interrupted while writing: no output file; the replicates already committed are kept in
# OUT.partial (the message says how to finish), and --resume finishes the study.
# Four replicates (two or three are left to resume): the scenario's 20 took 76 s to resume.
"$PDLAB" run "$EX/jiangsu_mandate.toml" --out "$T/int.sqlite" --set output.unit_time_every=1 -r 4 >/dev/null 2>"$T/int.err" &
pid=$!
for _ in $(seq 1 600); do
  [ -s "$T/int.sqlite.partial" ] && break
  sleep 0.05
done
sleep 0.5
kill -TERM $pid 2>/dev/null
wait $pid
code=$?
if [ "$code" = 143 ] && [ ! -e "$T/int.sqlite" ] && [ -e "$T/int.sqlite.partial" ] &&
  ! ls "$T"/int.sqlite.tmp-* >/dev/null 2>&1 && grep -q -- "--resume" "$T/int.err"; then
  passes=$((passes + 1))
else
  echo "FAIL interrupted_write: exit $code, left: $(ls "$T"/int.sqlite* 2>/dev/null)"; cat "$T/int.err"; fails=$((fails + 1))
fi
check interrupted_no_resume 73 "pass --resume" -- "$PDLAB" run "$EX/jiangsu_mandate.toml" --out "$T/int.sqlite" --set output.unit_time_every=1 -r 4
check interrupted_other_scenario 73 "another scenario" -- "$PDLAB" run "$EX/jiangsu_mandate.toml" --out "$T/int.sqlite" --resume
check interrupted_resume 0 "" -- "$PDLAB" run "$EX/jiangsu_mandate.toml" --out "$T/int.sqlite" --set output.unit_time_every=1 -r 4 --resume
check resumed_complete 0 "^1$" -- sqlite3 "$T/int.sqlite" "SELECT value FROM meta WHERE key = 'complete'"
check resumed_all_replicates 0 "^4$" -- sqlite3 "$T/int.sqlite" "SELECT COUNT(*) FROM runs"
check resumed_no_partial 0 "" -- test ! -e "$T/int.sqlite.partial"
# --resume with nothing to resume runs the whole study and says so (it was silent).
check resume_nothing 0 "--resume found no replicate of an interrupted run (.*fresh.sqlite.partial, .*fresh.sqlite.shards/): all 2 replicates were simulated now" -- \
  "$PDLAB" run "$EX/toy_pilot.toml" -r 2 --resume --out "$T/fresh.sqlite"

# The governance layer and design comparison.
G="$EX/toy_governance.toml"
check gov_run 0 "$T/g.sqlite" -- "$PDLAB" run "$G" --out "$T/g.sqlite" -r 4 --set output.unit_time_every=12
check gov_time 0 "participation_migrant" -- "$PDLAB" export "$T/g.sqlite" --table governance_time
check gov_unit_time 0 "hierarchical_score" -- "$PDLAB" export "$T/g.sqlite" --table governance_unit_time
check gov_off_no_tables 64 "no such table" -- "$PDLAB" export "$T/a.sqlite" --table governance_time
check gov_bad_key 78 "did you mean 'budget'" -- "$PDLAB" validate "$G" --set stability.budgett=0.5
check gov_out_of_range 78 "out of range" -- "$PDLAB" validate "$G" --set stability.budget=-1
check gov_negative_budget_run 78 "stability.budget" -- "$PDLAB" run "$G" --out "$T/negb.sqlite" --set stability.budget=-1
check gov_negative_budget_event 78 "choose a value within the range" -- "$PDLAB" run "$G" --out "$T/negb.sqlite" --set 'event=[{type="set", date="2013-01", key="stability.budget", value=-5}]'
if ls "$T"/negb.sqlite* >/dev/null 2>&1; then echo "FAIL gov_negative_budget_wrote_output"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
check gov_retired_key 78 "use stability.mix" -- "$PDLAB" validate "$G" --set stability.choice=fixed
check gov_share_needs_fixed_mix 78 "set stability.mix" -- "$PDLAB" validate "$G" --set stability.control=0.5
check gov_bad_level 78 "no such level" -- "$PDLAB" validate "$G" --set coproduction.community_level=villag
check gov_set_event_key 78 "cannot be changed by an event" -- "$PDLAB" validate "$G" --set event.1.key=promotion.pilot_k

# The coupled model: feedback into adoption, officials' choices, hazard weights over time.
check fb_run 0 "$T/fb.sqlite" -- "$PDLAB" run "$G" --out "$T/fb.sqlite" -r 3 --set feedback.need=true --set feedback.reversal=true --set feedback.learning=true --set feedback.pilot_evaluation=true --set feedback.escalation=true --set output.unit_time_every=12
check fb_adoptions_columns 0 "mandated,round" -- "$PDLAB" export "$T/fb.sqlite" --table adoptions
check fb_officials_metrics 0 "share_root_cause" -- "$PDLAB" export "$T/fb.sqlite" --table governance_time
check fb_panel_effort 0 "effort_depth,tenure_left" -- "$PDLAB" export "$T/fb.sqlite" --table governance_unit_time
check fb_needs_module 78 "feedback.need" -- "$PDLAB" validate "$EX/toy_pilot.toml" --set feedback.need=true
check fb_escalation_needs_stability 78 "stability.enabled = true" -- "$PDLAB" validate "$G" --set stability.enabled=false --set feedback.escalation=true
check fb_bad_level 78 "did you mean" -- "$PDLAB" validate "$G" --set 'feedback.levels=["countyy"]'
check fb_weight_range 78 "out of range" -- "$PDLAB" validate "$G" --set feedback.learning_visible=3
check fb_bad_run 78 "feedback.levels" -- "$PDLAB" run "$G" --out "$T/fbbad.sqlite" --set 'feedback.levels=["countyy"]' --set feedback.need=true
check requires_bad_run 78 "did you mean 'model'" -- "$PDLAB" run "$G" --out "$T/rqbad.sqlite" --set 'event=[]' --set 'policy=[{id="model"}, {id="funds", requires=["modle"]}]' --set governance.policy=model
if ls "$T"/fbbad.sqlite* "$T"/rqbad.sqlite* >/dev/null 2>&1; then echo "FAIL fb_bad_run_wrote_output"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
check fb_compare 0 "adopted periods_to_half" -- "$PDLAB" compare "$G" --vary feedback.need=false,true --out "$T/fbc.csv" -r 4
# Outcomes no variant changed in any pair are named once, not given blocks of `0 [0, 0]` lines
# (Chengdu's adoption when only the assessment weight varies, without feedback).
check compare_identical_folded 0 "The same in every pair of replicates (difference 0 \[0, 0\]): adopted share_at_end (resident_councils, county), " -- \
  "$PDLAB" compare "$SRC/scenarios/cases/chengdu.toml" --vary assessment.satisfaction_weight=0.2,0.6 -r 3 -t 1 --out "$T/fold.csv"
ok compare_identical_no_block bash -c "! grep -q '^  adopted share_at_end (resident_councils, county' '$T/out' '$T/err'"
# With output.adoptions_max_level the count of adoptions is of the rows written, and says so.
check run_adoption_rows_said 0 "adoptions written, at the levels down to county (output.adoptions_max_level; summary_time counts every level)" -- \
  "$PDLAB" run "$EX/toy_pilot.toml" --set output.adoptions_max_level=county -r 2 -t 1 --out "$T/aml.sqlite"
# A contrast of the user's: the interaction of two keys (difference in differences), replicate by
# replicate; its rows follow each outcome's variants, its weights and every replicate's outcome
# are kept in the .sqlite output, and the digest says what v1..v4 are.
check compare_contrast 0 'Contrasts, replicate by replicate: interaction = v4-v3-v2+v1; where v1 = "assessment.depth_reward=0; assessment.satisfaction_weight=0.2", v2 = ' -- \
  "$PDLAB" compare "$EX/toy_governance.toml" --vary assessment.depth_reward=0,1 --vary assessment.satisfaction_weight=0.2,0.6 --contrast interaction=v4-v3-v2+v1 -r 3 -t 1 --out "$T/did.sqlite"
ok compare_contrast_digest_line grep -Eq '^    interaction +[-0-9.e]+  \[' "$T/out"
ok compare_contrast_rows bash -c "[ \"\$(sqlite3 '$T/did.sqlite' \"SELECT COUNT(*) FROM compare WHERE variant = 'interaction' AND mean IS NULL\")\" = \"\$(sqlite3 '$T/did.sqlite' 'SELECT COUNT(*) / 5 FROM compare')\" ]"
# The interaction is the per-replicate combination of compare_replicates (depth at the townships).
ok compare_contrast_from_replicates bash -c "sqlite3 '$T/did.sqlite' \"SELECT ABS((SELECT diff FROM compare WHERE variant = 'interaction' AND outcome = 'depth' AND statistic = 'last_year_mean' AND level = 'township') - (SELECT SUM(r.value * c.weight) / 3 FROM compare_replicates r JOIN compare_contrasts c ON c.variant = r.variant WHERE r.outcome = 'depth' AND r.statistic = 'last_year_mean' AND r.level = 'township')) < 1e-12\" | grep -qx 1"
# A half never reached counts the horizon: compare says so, and reached_half gives the share.
check compare_half_censored 0 "(censored: a replicate that never reaches half counts its horizon, the calendar's periods; the share of replicates reaching half: 0 (adoption.gamma_horizontal=1), 0 (adoption.gamma_horizontal=3))" -- "$PDLAB" compare "$EX/toy_peer_learning.toml" --vary adoption.gamma_horizontal=1,3 -r 4 --out "$T/half.csv"
ok compare_reached_half_rows grep -q "^adopted,reached_half,model,township,adoption.gamma_horizontal=3,4,0," "$T/half.csv"
# turnover is a per-period flow: its total over the 10 years is a few replacements per official
# (a last-year mean would be about 0.02, a sum over 12 periods a year about 0.2).
ok compare_turnover_total python3 -c "
import csv, sys
rows = [r for r in csv.DictReader(open('$T/fbc.csv')) if r['outcome'] == 'turnover']
sys.exit(0 if rows and all(r['statistic'] == 'total' and 0.5 < float(r['mean']) < 10 for r in rows if r['mean']) else 1)"
# fit keeps a restructured scenario's restructuring and replays the adoptions of levels it does
# not fit: the fitted scenario validates and names the replay.
"$PDLAB" run "$EX/toy_restructure.toml" -r 1 --out "$T/tr.sqlite" >/dev/null 2>&1
"$PDLAB" export "$T/tr.sqlite" --table adoptions --out "$T/tr_adoptions.csv" >/dev/null 2>&1
python3 -c "
import csv
rows = list(csv.DictReader(open('$T/tr_adoptions.csv')))
with open('$T/tr_events.csv', 'w') as f:
    f.write('unit_id,policy_id,time\\n')
    for r in rows:
        f.write(r['unit_id'] + ',' + r['policy_id'] + ',' + r['date'] + '\\n')"
check fit_level_replays 0 "replays these observed adoptions" -- "$PDLAB" fit "$EX/toy_restructure.toml" --events "$T/tr_events.csv" --level community --terms "vertical + horizontal" --out "$T/fitr.toml"
check fit_restructured_validates 0 "valid" -- "$PDLAB" validate "$T/fitr.toml"
check export_sqlite_name 64 "export writes CSV, not SQLite" -- "$PDLAB" export "$T/tr.sqlite" --table levels --out "$T/levels.sqlite"
# An infinity only in a row dropped for a missing value changes nothing (the fast reader's
# design is used, the fit checks it).
printf 'event,x,z\n1,1,1\n0,2,2\n1,3,2\n0,0.5,1\n1,2,1\n0,1,2\n1,0.7,2\n0,1.5,1\n0,inf,\n' > "$T/inf_dropped.csv"
check eha_inf_in_dropped_row 0 "(Intercept)" -- "$PDLAB" eha "$T/inf_dropped.csv" --formula "event ~ x + z"
# An exactly collinear term beside dummies that separate (periods 37..57 have no event): it
# was kept, with NaN standard errors beside finite estimates and no warning (exit 0); it is
# dropped as aliased and the separation is flagged.
python3 -c "
rows, events, adopted = [50, 49, 36, 26] + [25] * 21, [1, 13, 10, 1] + [0] * 21, [0, 1, 14, 24]
with open('$T/collinear_sep.csv', 'w') as f:
    f.write('period,horizontal,event\\n')
    for t in range(25):
        for r in range(rows[t]):
            f.write('%d,%r,%d\\n' % (33 + t, (adopted[t] if t < 4 else 25) / 49, r < events[t]))"
check eha_collinear_separated 0 "'factor(period)57' is collinear with earlier terms and was dropped" -- \
  "$PDLAB" eha "$T/collinear_sep.csv" --formula "event ~ horizontal + factor(period)" --link logit
ok eha_collinear_separated_flagged grep -q "separation: the estimate of 'horizontal'" "$T/out"
ok eha_collinear_separated_no_nan bash -c "! grep -qi nan '$T/out'"
# Fisher scoring under cloglog alternates between two points on these data: the fit was
# refused as not converged (exit 65) with x flagged DIVERGES; Newton-Raphson steps reach the
# maximum.
python3 -c "
with open('$T/cloglog_slow.csv', 'w') as f:
    f.write('x,event\\n')
    for x, n, e in [(0.0, 800, 1), (0.35, 80, 30), (0.7, 30, 25), (1.0, 10, 6)]:
        for r in range(n):
            f.write('%r,%d\\n' % (x, r < e))"
check eha_cloglog_converges 0 "^x  *5.16882 " -- "$PDLAB" eha "$T/cloglog_slow.csv" --formula "event ~ x"
ok eha_cloglog_converges_no_flag bash -c "! grep -q -e DIVERGES -e 'NOT CONVERGED' -e warning '$T/out'"
# export writes CSV only: a workbook's name (or none) would promise another format.
check export_xlsx_name 64 "Fix: name it $T/levels.csv" -- "$PDLAB" export "$T/tr.sqlite" --table levels --out "$T/levels.xlsx"
ok export_xlsx_nothing_written test ! -e "$T/levels.xlsx"
check export_device 64 "written to standard output itself" -- "$PDLAB" export "$T/tr.sqlite" --table levels --out /dev/null
# A study is a SQLite file: standard output is refused, and no file named '-' is left.
check run_out_stdout 64 "cannot be written to standard output" -- bash -c "cd '$T' && exec '$PDLAB' run '$EX/toy_restructure.toml' -r 1 --out -"
ok run_out_stdout_nothing_written test ! -e "$T/-"
# --vary splits on commas outside brackets: list values can be varied.
check compare_vary_lists 0 "variant 2/2: feedback.levels=" -- "$PDLAB" compare "$G" --vary 'feedback.levels=["county"],["county","prefecture"]' --set feedback.need=true -r 2 --out "$T/lv.csv"
ok compare_vary_lists_labels grep -qF '"feedback.levels=[""county"",""prefecture""]"' "$T/lv.csv"
check set_hazard_weight 0 "valid" -- "$PDLAB" validate "$G" --set 'event=[{type="set", date="2013-01", key="adoption.gamma_horizontal", value=3}]'
check set_alpha_level 0 "valid" -- "$PDLAB" validate "$G" --set 'event=[{type="set", date="2013-01", key="adoption.alpha.county", value=-4}]'
check set_alpha_bad_level 78 "did you mean 'county'" -- "$PDLAB" validate "$G" --set 'event=[{type="set", date="2013-01", key="adoption.alpha.countyy", value=-4}]'
check requires_unknown 78 "did you mean 'model'" -- "$PDLAB" validate "$G" --set 'event=[]' --set 'policy=[{id="model"}, {id="funds", requires=["modle"]}]' --set governance.policy=model
check requires_cycle 78 "cycle" -- "$PDLAB" validate "$G" --set 'event=[]' --set 'policy=[{id="model", requires=["funds"]}, {id="funds", requires=["model"]}]' --set governance.policy=model
check compare_ok 0 "depth last_year_mean" -- "$PDLAB" compare "$G" --vary assessment.depth_reward=0,1 --out "$T/c.csv" -r 6
check compare_table 0 "diff_lo" -- head -1 "$T/c.csv"
check compare_sqlite 0 "" -- "$PDLAB" compare "$G" --vary stability.budget=20000,80000 --out "$T/c.sqlite" -r 4
# The .sqlite output also holds each variant's time series (compare_time), the same bytes at
# any thread count.
check compare_time_table 0 "q95" -- sqlite3 "$T/c.sqlite" "SELECT sql FROM sqlite_master WHERE name = 'compare_time'"
check compare_time_threads 0 "" -- "$PDLAB" compare "$G" --vary stability.budget=20000,80000 --out "$T/c1.sqlite" -r 4 --threads 1
ok compare_time_identical cmp -s <(sqlite3 "$T/c.sqlite" "SELECT * FROM compare_time") <(sqlite3 "$T/c1.sqlite" "SELECT * FROM compare_time")
# What each variant set is kept (the study held only the labels), and the report says it.
check compare_variants_table 0 "stability.budget=80000|stability.budget|80000|this variant" -- \
  sqlite3 "$T/c1.sqlite" "SELECT * FROM compare_variants WHERE set_by = 'this variant'"
check compare_variants_every 0 "run.replicates|4|every variant" -- \
  sqlite3 "$T/c1.sqlite" "SELECT key, value, set_by FROM compare_variants WHERE set_by = 'every variant'"
check compare_variants_report 0 "" -- "$PDLAB" report "$T/c1.sqlite" --out "$T/c1.html"
ok compare_variants_report_text grep -q "<li>v2 “stability.budget=80000”: stability.budget = 80000</li>" "$T/c1.html"
check compare_no_vary 64 "give either --vary or --variants" -- "$PDLAB" compare "$G" --out "$T/c2.csv"
check compare_one_value 64 "only one variant" -- "$PDLAB" compare "$G" --vary stability.budget=5000 --out "$T/c2.csv"
check compare_bad_form 64 "not of the form" -- "$PDLAB" compare "$G" --vary stability.budget --out "$T/c2.csv"
check compare_bad_key 78 "did you mean" -- "$PDLAB" compare "$G" --vary stability.contrl=0,1 --out "$T/c2.csv"
check compare_one_replicate 64 "field '--replicates' = '1': a comparison needs at least 2 replicates" -- "$PDLAB" compare "$G" --vary stability.budget=0,1 --out "$T/c2.csv" -r 1
printf 'variant,promotion.mandate,promotion.championship\nmandate,1,0\nchampionship,0,1\n' > "$T/v.csv"
check compare_csv 0 "championship" -- "$PDLAB" compare "$G" --variants "$T/v.csv" --out "$T/c3.csv" -r 4
# A row with an empty label is named by its values (it was "scenario as written").
printf 'variant,promotion.pilot_success\n,0.2\nhigh,0.9\n' > "$T/v_nolabel.csv"
check compare_csv_empty_label 0 'Differences from "promotion.pilot_success=0.2"' -- \
  "$PDLAB" compare "$EX/toy_pilot.toml" --variants "$T/v_nolabel.csv" --out "$T/c_nolabel.csv" -r 2 -t 1
# --out - writes only the table to standard output (the digest goes to standard error), for
# compare, sensitivity and calibrate's tables alike (the digest was mixed into the CSV), and a
# file named '-' in the folder is no obstacle (it was "output file exists").
csv_only() { python3 -c "import csv, sys; r = list(csv.reader(open(sys.argv[1]))); sys.exit(0 if len(r) > 1 and len(set(map(len, r))) == 1 else 'not one table: %d rows, widths %s' % (len(r), sorted(set(map(len, r)))))" "$1"; }
mkdir -p "$T/dash" && touch "$T/dash/-"
(cd "$T/dash" && "$PDLAB" compare "$EX/toy_pilot.toml" --vary promotion.pilot_success=0.2,0.9 -r 2 -t 1 --out - >"$T/dash/c.csv" 2>"$T/dash/c.err")
ok compare_stdout_one_table csv_only "$T/dash/c.csv"
ok compare_stdout_digest_on_stderr grep -q "Differences from" "$T/dash/c.err"
(cd "$T/dash" && "$PDLAB" sensitivity "$EX/toy_pilot.toml" --factor promotion.pilot_success --samples 8 -r 2 -t 1 --out - >"$T/dash/s.csv" 2>/dev/null)
ok sensitivity_stdout_one_table csv_only "$T/dash/s.csv"
(cd "$T/dash" && "$PDLAB" calibrate "$SRC/tests/data/toy_calibrate.toml" --targets "$SRC/tests/data/toy_calibrate_targets.csv" -t 1 \
  --set calibrate.starts=1 --set calibrate.max_evaluations=10 --set calibrate.validation_replicates=20 --report - >"$T/dash/k.csv" 2>/dev/null)
ok calibrate_stdout_one_table csv_only "$T/dash/k.csv"
ok dash_file_untouched test ! -s "$T/dash/-"
if [ ! -e "$T/c2.csv" ]; then passes=$((passes + 1)); else echo "FAIL compare_no_partial_output"; fails=$((fails + 1)); fi

# Calibration: the toy township intercept has a closed form (-4.2552 for 40% by 2012-12).
D="$SRC/tests/data"
check calibrate_ok 0 "Fit on 200 validation replicates" -- "$PDLAB" calibrate "$D/toy_calibrate.toml" --targets "$D/toy_calibrate_targets.csv" -t 2 --out "$T/fit.toml" --report "$T/fit.csv"
# The thread count is the machine's: the fitted scenario keeps the base file's (none here).
ok calibrate_threads_not_written test -z "$(grep threads "$T/fit.toml")"
alpha=$(grep -o 'township = -[0-9.]*' "$T/fit.toml" | grep -o -- '-[0-9.]*')
if awk -v a="$alpha" 'BEGIN { exit !(a > -4.40 && a < -4.11) }'; then passes=$((passes + 1)); else echo "FAIL calibrate_closed_form: alpha $alpha"; fails=$((fails + 1)); fi
check calibrate_report 0 "sim_q95" -- head -1 "$T/fit.csv"
check calibrate_refit_runs 0 "" -- "$PDLAB" validate "$T/fit.toml"
# A governance-metric target is named in the report's metric column (empty for a share).
check calibrate_report_metric_column 0 "^target,metric,policy_id," -- head -1 "$T/fit.csv"
printf 'level,date,value,metric\ntownship,2015-06,0.2,participation_migrant\n' >"$T/metric_targets.csv"
check calibrate_metric_target 0 "" -- "$PDLAB" calibrate "$EX/toy_governance.toml" --targets "$T/metric_targets.csv" -t 1 \
  --set 'calibrate.free=[{name="pi",keys=["coproduction.intercept"],lo=-5.0,hi=1.0,start=-2.0}]' \
  --set calibrate.starts=1 --set calibrate.max_evaluations=10 --set calibrate.replicates=2 \
  --set calibrate.validation_replicates=4 --report "$T/metric_fit.csv"
check calibrate_metric_named 0 "^participation_migrant township in 2015-06,participation_migrant,,township," -- cat "$T/metric_fit.csv"
# A free key that a scripted `set` event also sets is fitted only before the event's date:
# said before the calibration runs.
check calibrate_free_key_set_by_event 0 "coproduction.mobilisation is fitted, but event.1 (set, .*line [0-9]*) sets it to 1.5 from 2014-01: the fitted values hold only before 2014-01; a free parameter cannot be an event's value" -- \
  "$PDLAB" calibrate "$EX/toy_governance.toml" --targets "$T/metric_targets.csv" -t 1 \
  --set 'calibrate.free=[{name="mob",keys=["coproduction.mobilisation"],lo=0.5,hi=2.0,start=1.0}]' \
  --set calibrate.starts=1 --set calibrate.max_evaluations=10 --set calibrate.replicates=2 \
  --set calibrate.validation_replicates=2 --report "$T/mob_fit.sqlite"
ok calibrate_event_warning_first bash -c "head -1 '$T/err' | grep -q 'is fitted, but event.1'"
ok calibrate_report_meta python3 -c "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); v = dict(db.execute('SELECT key, value FROM meta')); sys.exit(0 if v['fitted'].startswith('mob = ') and v['scenario_name'] and 'calibrate' in v['command_line'] else str(v))" "$T/mob_fit.sqlite"
# A calibrated key that [uncertainty] lists moves its estimate too: draws (draw = true) then
# centre on the calibrated value, and nothing warns; a key whose value is not its estimate warns.
UNC='uncertainty={keys=["adoption.alpha.township"], estimate=[-4.0], covariance=[[0.01]]}'
check calibrate_with_uncertainty 0 "" -- "$PDLAB" calibrate "$D/toy_calibrate.toml" --targets "$D/toy_calibrate_targets.csv" --set "$UNC" --out "$T/fitu.toml"
check calibrate_recentres 0 "estimate moved to the calibrated value of adoption.alpha.township" -- cat "$T/fitu.toml"
ualpha=$(grep -o 'township = -[0-9.]*' "$T/fitu.toml" | grep -o -- '-[0-9.]*')
check calibrate_recentred_estimate 0 "estimate=\[$ualpha\]" -- cat "$T/fitu.toml"
check calibrate_recentred_validates 0 "valid" -- "$PDLAB" validate "$T/fitu.toml" --set uncertainty.draw=true
ok calibrate_recentred_no_warning test -z "$(grep warning "$T/err")"
check uncertainty_estimate_not_value 0 "'adoption.alpha.township' is -5 in this scenario (as given, or by default) but its estimate is -4;" -- "$PDLAB" validate "$D/toy_calibrate.toml" --set "${UNC%\}}, draw=true}"
check calibrate_no_free 78 "no free parameters" -- "$PDLAB" calibrate "$EX/toy_pilot.toml" --targets "$D/toy_calibrate_targets.csv"
printf 'level,date,share\ntownshp,2012-12,0.4\n' > "$T/bad_targets.csv"
check calibrate_bad_level 65 "no such level" -- "$PDLAB" calibrate "$D/toy_calibrate.toml" --targets "$T/bad_targets.csv"
printf 'level,date,share\ntownship,2012-12,1.4\n' > "$T/bad_targets.csv"
check calibrate_bad_share 65 "share in \[0, 1\]" -- "$PDLAB" calibrate "$D/toy_calibrate.toml" --targets "$T/bad_targets.csv"
check calibrate_missing_targets 66 "not found" -- "$PDLAB" calibrate "$D/toy_calibrate.toml" --targets "$T/none.csv"
# ABC-SMC on the same toy: the closed-form intercept (-4.2552) inside the posterior 90% interval.
check calibrate_abc_ok 0 "Posterior predictive" -- "$PDLAB" calibrate "$D/toy_calibrate.toml" --targets "$D/toy_calibrate_targets.csv" --method abc --particles 200 --posterior "$T/abc_post.csv" --summary "$T/abc_sum.csv" --report "$T/abc_pred.csv" --out "$T/abc_fit.toml"
check calibrate_abc_posterior 0 "particle,generation,weight,distance,parameter,value" -- head -1 "$T/abc_post.csv"
check calibrate_abc_predictive 0 "observed,mean,q05,q50,q95" -- head -1 "$T/abc_pred.csv"
check calibrate_abc_refit_runs 0 "" -- "$PDLAB" validate "$T/abc_fit.toml"
if awk -F, 'NR == 2 { exit !($7 <= -4.2552 && $9 >= -4.2552 && $6 < 0.5) }' "$T/abc_sum.csv"; then passes=$((passes + 1)); else echo "FAIL calibrate_abc_covers_closed_form: $(cat "$T/abc_sum.csv")"; fails=$((fails + 1)); fi

# The case scenarios: each validates, and `pdlab cases` compares them.
for c in haicang guiyang chengdu taicang jiangsu-rollout; do
  check "case_$c" 0 "valid" -- "$PDLAB" validate "$SRC/scenarios/cases/$c.toml"
done
check cases_run 0 "haicang" -- "$PDLAB" cases "$SRC/scenarios/cases" --out "$T/cases" -r 2
# The printed held-out table shows the tolerance that decides pass or miss, and says so.
ok cases_verdict_rule grep -q "pass: |model mean - observed| <= tolerance" "$T/out"
ok cases_tolerance_column grep -q "+/- 1.74e+09" "$T/out"
# Which policy's adoption the table measures: Chengdu's governance follows its funds.
ok cases_policy_named grep -q "chengdu village_funds" "$T/out"
check cases_table 0 "participation_migrant" -- head -1 "$T/cases/comparison.csv"
check cases_policy_column 0 "chengdu,5101,village_funds," -- cat "$T/cases/comparison.csv"
check cases_studies 0 "participation_migrant" -- "$PDLAB" export "$T/cases/guiyang.sqlite" --table governance_time
check cases_missing 66 "no such folder" -- "$PDLAB" cases "$T/nothing_here"
mkdir -p "$T/empty_cases"
check cases_empty_folder 66 "no case scenarios (\*.toml) found in this folder" -- "$PDLAB" cases "$T/empty_cases"
check cases_held_out 0 "chengdu,village funds spent 2009 to 2014" -- cat "$T/cases/held_out.csv"
# A folder of one good case and one whose merge names a unit that has already ceased: every
# case is compiled before any is written, so the run fails with nothing left in the output
# folder (one it creates is removed), and a rerun is not refused for files it left.
mkdir -p "$T/badcases" "$T/badout_kept"
cp "$EX/toy_hierarchy.csv" "$EX/toy_restructure.csv" "$T/badcases/"
{ echo 'name = "good"'; cat "$EX/toy_pilot.toml"; } > "$T/badcases/a_good.toml"
{ sed 's/^name = .*/name = "bad"/' "$EX/toy_restructure.toml"
  printf '\n[[event]]\ntype = "merge"\ndate = "2014-06"\nunits = ["S0"]\ninto = "S2"\n'; } > "$T/badcases/b_bad.toml"
check cases_bad_case 78 "units' = 'S0': the unit does not exist before" -- "$PDLAB" cases "$T/badcases" --out "$T/badout" -r 2
ok cases_bad_no_folder test ! -e "$T/badout"
check cases_bad_case_kept 78 "does not exist before" -- "$PDLAB" cases "$T/badcases" --out "$T/badout_kept" -r 2
ok cases_bad_folder_empty test -z "$(ls -A "$T/badout_kept")"
# A failure after the first case is written (the second case's study has an interrupted
# partial file): the first case's study is removed, the partial file (not this run's) kept.
mkdir -p "$T/latecases" "$T/lateout"
cp "$EX/toy_hierarchy.csv" "$T/latecases/"
{ echo 'name = "a"'; cat "$EX/toy_pilot.toml"; } > "$T/latecases/a.toml"
{ echo 'name = "b"'; cat "$EX/toy_pilot.toml"; } > "$T/latecases/b.toml"
echo interrupted > "$T/lateout/b.sqlite.partial"
check cases_late_failure 73 "an interrupted run left this partial output" -- "$PDLAB" cases "$T/latecases" --out "$T/lateout" -r 2
ok cases_late_failure_cleaned test "$(ls -A "$T/lateout")" = "b.sqlite.partial"
# With --force a failed run puts back the files it replaced; one that succeeds leaves none aside.
mkdir -p "$T/forcecases" "$T/forceout"
cp "$EX/toy_hierarchy.csv" "$T/forcecases/"
{ echo 'name = "a"'; cat "$EX/toy_pilot.toml"; } > "$T/forcecases/a.toml"
"$PDLAB" cases "$T/forcecases" --out "$T/forceout" -r 2 >/dev/null 2>&1
before=$(cat "$T/forceout/a.sqlite" "$T/forceout/comparison.csv" | md5sum)
cp "$T/latecases/b.toml" "$T/forcecases/"
mkdir "$T/forceout/b.sqlite.partial"  # fails the second case, after the first is rewritten
check cases_force_failure 73 "the partial output exists and is a folder" -- "$PDLAB" cases "$T/forcecases" --out "$T/forceout" -r 3 --force
ok cases_force_failure_restored test "$(cat "$T/forceout/a.sqlite" "$T/forceout/comparison.csv" | md5sum)" = "$before"
rmdir "$T/forceout/b.sqlite.partial"
check cases_force_ok 0 "" -- "$PDLAB" cases "$T/forcecases" --out "$T/forceout" -r 3 --force
ok cases_force_nothing_aside test -z "$(ls "$T/forceout" | grep replaced)"
ok cases_force_replaced test "$(cat "$T/forceout/a.sqlite" "$T/forceout/comparison.csv" | md5sum)" != "$before"

# The cases encode their sources: Guiyang's 2019 reversal, Haicang's four streets in 2013-09,
# and the calibrated Jiangsu roll-out meets the 2014 plan within 5 points (20 replicates).
"$PDLAB" run "$SRC/scenarios/cases/guiyang.toml" --out "$T/gy.sqlite" -r 2 >/dev/null 2>&1
check case_guiyang_reversal 0 "^131$" -- sqlite3 "$T/gy.sqlite" "SELECT DISTINCT rev_period FROM adoptions WHERE unit_id = '520122001'"  # 2019-12
"$PDLAB" run "$SRC/scenarios/cases/haicang.toml" --out "$T/hc.sqlite" -r 2 >/dev/null 2>&1
check case_haicang_streets 0 "^4$" -- sqlite3 "$T/hc.sqlite" "SELECT count(DISTINCT unit_id) FROM adoptions WHERE level = 'township' AND date = '2013-09'"
# Taicang: every town (8 township-level units) in the reform by the end of 2011, still active.
"$PDLAB" run "$SRC/scenarios/cases/taicang.toml" --out "$T/tc.sqlite" -r 2 >/dev/null 2>&1
check case_taicang_towns_2011 0 "^8$" -- sqlite3 "$T/tc.sqlite" "SELECT min(n) FROM (SELECT replicate, count(DISTINCT unit_id) AS n FROM adoptions WHERE level = 'township' AND date <= '2011-12' AND (rev_period IS NULL OR rev_period > 47) GROUP BY replicate)"
"$PDLAB" run "$SRC/scenarios/cases/jiangsu-rollout.toml" --out "$T/js.sqlite" -r 20 --set assessment.enabled=false --set coproduction.enabled=false --set services.enabled=false --set stability.enabled=false >/dev/null 2>&1
for region in "south 0.5 3201 3202 3204 3205 3211" "centre 0.3 3206 3210 3212" "north 0.2 3203 3207 3208 3209 3213"; do
  set -- $region
  name=$1 target=$2
  shift 2
  like=""
  for p in "$@"; do like="$like${like:+ OR }unit_id LIKE '$p%'"; done
  total=$(zcat "$SRC/data/china/units.csv.gz" | awk -F, -v re="^($(echo "$@" | tr ' ' '|'))" '$3 == "township" && $1 ~ re' | wc -l)
  share=$(sqlite3 "$T/js.sqlite" "SELECT count(*) * 1.0 / (20 * $total) FROM adoptions WHERE level = 'township' AND period <= 83 AND ($like)")
  if awk -v s="$share" -v t="$target" 'BEGIN { exit !(s > t - 0.05 && s < t + 0.05) }'; then
    passes=$((passes + 1))
  else
    echo "FAIL jiangsu_calibrated_$name: share $share, plan $target"; fails=$((fails + 1))
  fi
done

# Sensitivity: Sobol indices and Morris effects of toy_pilot over 2 factors, one of them from
# the scenario's [[sensitivity.factor]] with the registry's range; the same bytes at 1 and 2
# threads.
sed "s|^path = \"toy_hierarchy.csv\"|path = \"$EX/toy_hierarchy.csv\"|" "$EX/toy_pilot.toml" > "$T/sens.toml"
printf '[[sensitivity.factor]]\nkey = "promotion.pilot_success"\n' >> "$T/sens.toml"
SA=(--factor vertical.pilot=0:2 --samples 8 --bootstrap 200 -r 2)
check sensitivity_sobol 0 "Sobol indices over 2 factor(s): 32 design points x 2 replicates" -- "$PDLAB" sensitivity "$T/sens.toml" "${SA[@]}" --threads 1 --out "$T/s1.csv"
check sensitivity_threads 0 "" -- "$PDLAB" sensitivity "$T/sens.toml" "${SA[@]}" --threads 2 --out "$T/s2.csv"
ok sensitivity_threads_identical cmp -s "$T/s1.csv" "$T/s2.csv"
check sensitivity_header 0 "outcome,statistic,policy_id,level,factor,factor_lo,factor_hi,method,measure,estimate,ci_lo,ci_hi" -- head -1 "$T/s1.csv"
check sensitivity_registry_range 0 "promotion.pilot_success,0,1,sobol,total" -- cat "$T/s1.csv"
check sensitivity_morris 0 "Morris elementary effects over 2 factor(s): 12 design points" -- "$PDLAB" sensitivity "$T/sens.toml" --method morris --trajectories 4 --factor promotion.pilot_success=0.2:0.9 --factor vertical.pilot=0:2 --bootstrap 100 -r 2 --out "$T/s.sqlite"
check sensitivity_morris_range 0 "promotion.pilot_success|0.2|0.9|morris|mu_star" -- sqlite3 "$T/s.sqlite" "select factor, factor_lo, factor_hi, method, measure from sensitivity"
check sensitivity_exists 73 "pass --force" -- "$PDLAB" sensitivity "$T/sens.toml" "${SA[@]}" --out "$T/s1.csv"

# Determinism at the CLI: 1 and 2 threads give identical tables.
"$PDLAB" run "$EX/toy_championship.toml" --out "$T/t1.sqlite" --threads 1 -r 8 >/dev/null 2>&1
"$PDLAB" run "$EX/toy_championship.toml" --out "$T/t2.sqlite" --threads 2 -r 8 >/dev/null 2>&1
"$PDLAB" run "$G" --out "$T/g1.sqlite" --threads 1 -r 6 >/dev/null 2>&1
"$PDLAB" run "$G" --out "$T/g2.sqlite" --threads 2 -r 6 >/dev/null 2>&1
if cmp -s <("$PDLAB" export "$T/g1.sqlite" --table governance_time) <("$PDLAB" export "$T/g2.sqlite" --table governance_time); then
  passes=$((passes + 1))
else
  echo "FAIL threads_identical_governance_time"; fails=$((fails + 1))
fi
for table in adoptions summary_time runs; do
  if cmp -s <("$PDLAB" export "$T/t1.sqlite" --table $table) <("$PDLAB" export "$T/t2.sqlite" --table $table); then
    passes=$((passes + 1))
  else
    echo "FAIL threads_identical_$table"; fails=$((fails + 1))
  fi
done

# An input that is there but cannot be read is said to be (a scenario was "not found", a
# results file "empty"). Root reads anything: as root the commands run as nobody (setpriv),
# in a folder nobody can enter; without setpriv the check is skipped.
unreadable=()
if [ "$(id -u)" != 0 ]; then
  unreadable=(env)
elif command -v setpriv >/dev/null &&
  setpriv --reuid=65534 --regid=65534 --clear-groups "$PDLAB" version >/dev/null 2>&1; then
  unreadable=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
if [ ${#unreadable[@]} -gt 0 ]; then
  mkdir -p "$T/perm" && cp "$EX/toy_pilot.toml" "$EX/toy_hierarchy.csv" "$T/perm/"
  "$PDLAB" run "$T/perm/toy_pilot.toml" -r 1 -t 1 --out "$T/perm/r.sqlite" >/dev/null 2>&1
  chmod 600 "$T/perm/toy_pilot.toml" "$T/perm/r.sqlite"
  chmod 711 "$T" && chmod 755 "$T/perm"
  check unreadable_scenario 66 "cannot read the scenario file: Permission denied" -- \
    "${unreadable[@]}" "$PDLAB" validate "$T/perm/toy_pilot.toml"
  check unreadable_results 66 "cannot read the results file: Permission denied" -- \
    "${unreadable[@]}" "$PDLAB" export "$T/perm/r.sqlite" --table runs
  chmod 700 "$T"
else
  echo "unreadable inputs: skipped (root, and nobody cannot run $PDLAB through setpriv)"
fi

echo "cli: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
