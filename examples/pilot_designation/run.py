#!/usr/bin/python3
"""Pilot designation: what predicts a county's designation as a national community-governance
experimental zone, and do pdlab's pilot rules (capacity, need, random) predict it?

Usage: run.py PDLAB OUTDIR    (PDLAB: path of the pdlab binary; OUTDIR is created, must not exist)

Writes OUTDIR/riskset.csv (one row per county per designation round), the coefficient tables of
`pdlab eha` (coef_train.csv: rounds 1 and 3 only, used to predict round 4; coef_all.csv: all
rounds), and comparison.csv (held-out round 4: log score, AUC, top-k hits for every rule).
Reads only files shipped with pdlab (this folder's zones.csv and data/china/units.csv.gz).
"""
import math
import os
import subprocess
import sys

import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# County-level types in the risk set: the formal county-level divisions. Development zones
# (codes XXYY7Z) are statistical units, not divisions the MCA designates.
COUNTY_TYPES = {"district", "county", "county_city", "autonomous_county", "banner",
                "autonomous_banner", "forest_district", "special_district", "other_county"}
# Batch 3 is known only up to 鞍山市铁东区 (Liaoning): its list runs in province-code order, so
# provinces 11-15 are complete and round 3 keeps only their counties.
ROUND3_PROVINCES = {"11", "12", "13", "14", "15"}
COVARIATES = ["log(population)", "migrant_share", "urban_share"]
# Every known designation went to an urban district or a county-level city (0 of the 43 to the
# ~1,560 counties, banners and autonomous counties): the type separates perfectly, so it is a
# filter on the candidates, not an estimable coefficient. The models and the log-score
# comparison use these candidates; the ranking metrics are also given over all county-level
# units, with every rule free to rank the excluded types wherever its score puts them.
# Districts against county-level cities: no county-level city was designated in rounds 1 and 3
# (separation), so `district` enters only the all-rounds model (coef_all_type.csv).


def load():
    z = pd.read_csv(os.path.join(HERE, "zones.csv"), dtype={"code_2023": str, "batch": str})
    u = pd.read_csv(os.path.join(ROOT, "data", "china", "units.csv.gz"),
                    dtype={"id": str, "parent_id": str})
    c = u[(u.level == "county") & u.type.isin(COUNTY_TYPES) & u.population.notna()].copy()
    c["province"] = c.id.str[:2]
    c["district"] = (c.type == "district").astype(int)
    c["county_city"] = (c.type == "county_city").astype(int)
    return z, c


def riskset(z, c):
    cty = z[z.level == "county"]
    pref = z[z.level == "prefecture"]
    first = {}  # county code -> round of its first known designation
    for b, r in (("1", 1), ("2_inferred", 2), ("3", 3), ("4", 4)):
        for code in cty[cty.batch == b].code_2023:
            first.setdefault(code, r)
    # Designated in a batch the sources do not give: at risk in round 1 (batch 1 is complete),
    # not after.
    unknown = set(cty[cty.batch.isin(["unknown", "earlier_unknown"])].code_2023)
    pref_round = {}
    for b, r in (("1", 1), ("3", 3), ("4", 4)):
        for code in pref[pref.batch == b].code_2023:
            pref_round[code] = r
    missing = set(cty.code_2023) - set(c.id)
    if missing:
        raise SystemExit(f"zones.csv: county codes not in the hierarchy: {sorted(missing)}")
    rows = []
    for r in (1, 3, 4):
        for u in c.itertuples():
            f = first.get(u.id)
            if f is not None and f < r:
                continue  # designated before: no longer at risk
            if r > 1 and u.id in unknown:
                continue
            if r == 3 and (u.province not in ROUND3_PROVINCES):
                continue
            # A whole prefecture named as the zone: its counties are neither clearly designated
            # nor clearly passed over in that round, so they leave that round's risk set.
            if pref_round.get(u.parent_id) == r:
                continue
            rows.append({"unit_id": u.id, "name": u.name, "parent_id": u.parent_id,
                         "province": u.province, "round": r, "event": int(f == r),
                         "population": u.population, "migrant_share": u.migrant_share,
                         "urban_share": u.urban_share, "district": u.district,
                         "county_city": u.county_city})
    return pd.DataFrame(rows)


def eha(pdlab, data, formula, out):
    cmd = [pdlab, "eha", data, "--formula", formula, "--link", "logit", "--out", out]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"pdlab eha failed ({res.returncode}): {res.stderr}")
    sys.stdout.write(res.stdout)
    sys.stderr.write(res.stderr)
    return pd.read_csv(out)


def linear(coef, df):
    """The fitted linear predictor without intercept and round effects."""
    s = pd.Series(0.0, index=df.index)
    for t in coef.itertuples():
        if t.term == "(Intercept)" or t.term.startswith("factor("):
            continue
        x = df.population.map(math.log) if t.term == "log(population)" else df[t.term]
        s += t.estimate * x
    return s


def calibrate(s, n_events):
    """Intercept a with sum(logistic(a + s)) = n_events: every rule is told the batch size,
    which the MCA announces with the batch, so the log score compares who, not how many."""
    lo, hi = -50.0, 50.0
    for _ in range(200):
        a = 0.5 * (lo + hi)
        if (1 / (1 + (-(a + s)).map(math.exp))).sum() > n_events:
            hi = a
        else:
            lo = a
    return 1 / (1 + (-(0.5 * (lo + hi) + s)).map(math.exp))


def auc(score, y):
    r = score.rank(method="average")
    n1 = int(y.sum())
    n0 = len(y) - n1
    return (r[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


def metrics(name, s, y, n_top, p=None):
    order = s.sort_values(ascending=False, kind="mergesort").index
    row = {"rule": name, "n_at_risk": len(y), "n_events": int(y.sum())}
    row["log_score"] = (float((y * p.map(math.log) + (1 - y) * (1 - p).map(math.log)).sum())
                        if p is not None else float("nan"))
    row["auc"] = auc(s, y)
    row["hits_top_k"] = int(y.loc[order[:n_top]].sum())
    row["hits_top100"] = int(y.loc[order[:100]].sum())
    return row


def random_row(y, n_top):
    n, k = len(y), int(y.sum())
    p0 = k / n
    return {"rule": "random", "n_at_risk": n, "n_events": k,
            "log_score": k * math.log(p0) + (n - k) * math.log(1 - p0), "auc": 0.5,
            "hits_top_k": n_top * k / n, "hits_top100": 100 * k / n}


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    pdlab, out = sys.argv[1], sys.argv[2]
    os.makedirs(out)
    z, c = load()
    rs = riskset(z, c)
    rs["urban_type"] = (rs.district + rs.county_city).astype(int)
    rs.to_csv(os.path.join(out, "riskset.csv"), index=False)
    print(f"risk set: {len(rs)} county-rounds; events by round: "
          f"{rs.groupby('round').event.sum().to_dict()}; at risk: "
          f"{rs.groupby('round').size().to_dict()}; events outside districts and county-level "
          f"cities: {int(rs.event[rs.urban_type == 0].sum())}")
    urban = rs[rs.urban_type == 1]
    urban.to_csv(os.path.join(out, "urban.csv"), index=False)
    train = urban[urban["round"] < 4]
    train.to_csv(os.path.join(out, "train.csv"), index=False)
    rhs = " + ".join(COVARIATES) + " + factor(round)"
    eha(pdlab, os.path.join(out, "urban.csv"), "event ~ " + rhs, os.path.join(out, "coef_all.csv"))
    eha(pdlab, os.path.join(out, "urban.csv"), "event ~ district + " + rhs,
        os.path.join(out, "coef_all_type.csv"))
    coef_tr = eha(pdlab, os.path.join(out, "train.csv"), "event ~ " + rhs,
                  os.path.join(out, "coef_train.csv"))
    # pdlab's pilot rules rank candidates by one column (src/sim/adoption_stages.cpp,
    # designate_pilots; src/core/model.cpp): capacity = promotion.capacity (default
    # "population"), need = adoption.need (default "migrant_share"), random = a uniform draw.
    # For a probability each column gets its own slope, fitted on the training rounds as above.
    test_all = rs[rs["round"] == 4].copy()
    test = test_all[test_all.urban_type == 1]
    scores = {"fitted": linear(coef_tr, test_all)}
    for name, col in (("capacity", "population"), ("need", "migrant_share")):
        zcol = col + "_z"
        mu, sd = train[col].mean(), train[col].std()
        path = os.path.join(out, f"train_{col}.csv")
        train.assign(**{zcol: (train[col] - mu) / sd}).to_csv(path, index=False)
        cf = eha(pdlab, path, f"event ~ {zcol} + factor(round)",
                 os.path.join(out, f"coef_{col}.csv"))
        b = float(cf.loc[cf.term == zcol, "estimate"].iloc[0])
        scores[name] = b * (test_all[col] - mu) / sd
    k = int(test.event.sum())
    rows = []
    for name, s in scores.items():
        st = s.loc[test.index]
        rows.append({"candidates": "districts+county_cities",
                     **metrics(name, st, test.event, k, calibrate(st, k))})
    rows.append({"candidates": "districts+county_cities", **random_row(test.event, k)})
    for name, s in scores.items():
        # the fitted rule keeps its filter (other types ranked last); the others rank by column
        sa = s + 1e6 * test_all.urban_type if name == "fitted" else s
        rows.append({"candidates": "all_county_level", **metrics(name, sa, test_all.event, k)})
    rows.append({"candidates": "all_county_level", **random_row(test_all.event, k)})
    rows[-1]["log_score"] = float("nan")
    cmp = pd.DataFrame(rows)
    cmp.to_csv(os.path.join(out, "comparison.csv"), index=False, float_format="%.4f")
    print(f"\nheld-out round 4 (fitted on rounds 1 and 3; top-k with k = {k}):")
    print(cmp.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
