#!/usr/bin/env bash
# examples/pilot_designation end to end: the pipeline runs on the shipped data, every rule is
# scored on the held-out round, and the figures the README reports come out of it.
set -u
PDLAB=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$SRC/examples/pilot_designation/run.py" "$PDLAB" "$T/out" >"$T/log" 2>&1 || {
  cat "$T/log"
  exit 1
}
/usr/bin/python3 - "$T/out" <<'PY'
import math, sys
import pandas as pd
out = sys.argv[1]
c = pd.read_csv(f"{out}/comparison.csv")
fails = []
for cand in ("districts+county_cities", "all_county_level"):
    rules = set(c[c.candidates == cand].rule)
    if rules != {"fitted", "capacity", "need", "random"}:
        fails.append(f"{cand}: rules {sorted(rules)}")
u = c[c.candidates == "districts+county_cities"].set_index("rule")
# 31 batch-4 zones less 2 prefectures and 2 re-designations; 29 districts, 2 county-level cities
if (u.n_events != 27).any() or (u.n_at_risk != 1341).any():
    fails.append(f"held-out events/at risk: {u.n_events.tolist()} {u.n_at_risk.tolist()}")
ls = u.log_score
if not all(math.isfinite(v) and v < 0 for v in ls):
    fails.append(f"log scores not finite and negative: {ls.to_dict()}")
# random's log score is the binomial one at the true rate: any rule below it is miscalibrated
if abs(ls["random"] - (27 * math.log(27 / 1341) + 1314 * math.log(1314 / 1341))) > 1e-3:
    fails.append(f"random log score {ls['random']}")
if not (0 <= u.auc.min() and u.auc.max() <= 1):
    fails.append(f"AUC out of [0, 1]: {u.auc.to_dict()}")
# the README's result: the fitted rule beats every pdlab rule on log score, AUC and top-27 hits
for r in ("capacity", "need", "random"):
    for m in ("log_score", "auc", "hits_top_k"):
        if not u.loc["fitted", m] > u.loc[r, m]:
            fails.append(f"fitted {m} {u.loc['fitted', m]} not above {r}'s {u.loc[r, m]}")
coef = pd.read_csv(f"{out}/coef_train.csv").set_index("term")
for t in ("log(population)", "migrant_share", "urban_share"):
    if t not in coef.index or coef.loc[t, "separated"] != 0:
        fails.append(f"training coefficient {t} missing or separated")
if fails:
    print("\n".join(fails))
    sys.exit(1)
print("pilot designation example: ok")
PY
[ $? -eq 0 ] || exit 1
# The example scenario: Nanjing's pilots are its two districts with the largest fitted score.
SC="$SRC/examples/pilot_designation/nanjing_score_pilots.toml"
"$PDLAB" run "$SC" --out "$T/s.sqlite" --replicates 2 --seed 3 >"$T/runlog" 2>&1 || {
  cat "$T/runlog"
  exit 1
}
"$PDLAB" export "$T/s.sqlite" --table adoptions >"$T/adoptions.csv" || exit 1
/usr/bin/python3 - "$T/adoptions.csv" "$SRC" <<'PY'
import math, sys
import pandas as pd
a = pd.read_csv(sys.argv[1], dtype={"unit_id": str})
u = pd.read_csv(f"{sys.argv[2]}/data/china/units.csv.gz", dtype={"id": str, "parent_id": str})
c = u[u.parent_id == "3201"].copy()
c["s"] = 0.824 * c.population.map(math.log) - 5.710 * c.migrant_share + 18.093 * c.urban_share
want = set(c.nlargest(2, "s").id)
a = a[a.level == "county"]
for rep, g in a[a.pilot == 1].groupby("replicate"):
    got = set(g.unit_id)
    if got != want:
        print(f"replicate {rep}: pilots {sorted(got)}, fitted score's top 2 {sorted(want)}")
        sys.exit(1)
if a[a.pilot == 1].replicate.nunique() != 2:
    print("not every replicate chose pilots")
    sys.exit(1)
print("nanjing_score_pilots: pilots", sorted(want))
PY
