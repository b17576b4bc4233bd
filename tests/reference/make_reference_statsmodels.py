#!/usr/bin/python3
"""Cluster-robust reference SEs for pdlab's EHA, computed once with statsmodels.

Run from this folder: /usr/bin/python3 make_reference_statsmodels.py
(Debian 12 python3-statsmodels 0.13.5). statsmodels' GLM cov_type="cluster" applies the
small-sample factor G/(G-1) * (N-1)/(N-K) by default, as Stata and pdlab do.
Writes cluster_reference.csv.
"""
import csv

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels

rows = []


def add(case, y, X, groups, link, names):
    fam = sm.families.Binomial(link=link())
    fit = sm.GLM(y, X, family=fam).fit(cov_type="cluster", cov_kwds={"groups": groups}, tol=1e-12)
    for name, b, se in zip(names, fit.params, fit.bse):
        rows.append({"case": case, "term": name, "estimate": repr(float(b)), "std_error": repr(float(se))})


links = sm.families.links
d = pd.read_csv("synthetic.csv")
X = sm.add_constant(d[["x1", "x2", "x3"]].to_numpy())
names = ["(Intercept)", "x1", "x2", "x3"]
add("synthetic_logit_cluster_g", d["y"].to_numpy(), X, d["g"].to_numpy(), links.logit, names)
add("synthetic_cloglog_cluster_g", d["y"].to_numpy(), X, d["g"].to_numpy(), links.cloglog, names)

rs = pd.read_csv("dual_carbon_riskset.csv").dropna(subset=["horizontal", "migrant_share", "log_gdp_pc"])
P = pd.get_dummies(rs["period"].astype(int), prefix="factor(period)", prefix_sep="", drop_first=True).astype(float)
X = np.column_stack([np.ones(len(rs)), rs[["horizontal", "migrant_share", "log_gdp_pc"]].to_numpy(), P.to_numpy()])
names = ["(Intercept)", "horizontal", "migrant_share", "log_gdp_pc"] + list(P.columns)
groups = pd.factorize(rs["parent_id"])[0]
add("dual_carbon_cloglog_cluster_parent", rs["event"].to_numpy(), X, groups, links.cloglog, names)

with open("cluster_reference.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=["case", "term", "estimate", "std_error"])
    w.writeheader()
    w.writerows(rows)
print("statsmodels", statsmodels.__version__, len(rows), "rows")
