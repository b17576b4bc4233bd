#!/usr/bin/python3
"""Plain numpy baseline of pdlab's adoption core on the same graph (all of China).

A per-unit, per-period sweep of the same discrete-time cloglog hazard
    eta = alpha[level] + g_e * need + g_v * V + g_h * H + g_u * U
with V = endorsement pressure from adopting ancestors (attenuated per level), H = share of
siblings adopted, U = share of own children adopted, one uniform draw per unit and period.
It has no pilots, mandates, quotas or events: it is the hot loop a user would write in numpy,
vectorised over units. Prints JSON with seconds per replicate and unit-periods per second.
"""
import csv
import gzip
import json
import sys
import time

import numpy as np


def load(path):
    ids, parents, levels, need = [], [], [], []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            ids.append(row["id"])
            parents.append(row["parent_id"])
            levels.append(row["level"])
            need.append(float(row["migrant_share"] or 0))
    index = {u: i for i, u in enumerate(ids)}
    parent = np.array([index.get(p, -1) for p in parents], dtype=np.int64)
    names = list(dict.fromkeys(levels))
    level = np.array([names.index(x) for x in levels], dtype=np.int64)
    return parent, level, np.array(need), names


def replicate(parent, level, need, periods, seed):
    rng = np.random.default_rng(seed)
    n = parent.size
    alpha = np.array([-np.inf, -9.5, -9.5, -9.5, -9.5, -9.0])[level]
    base = alpha + 1.5 * need
    has_parent = parent >= 0
    p = np.where(has_parent, parent, 0)
    n_children = np.bincount(p[has_parent], minlength=n).astype(float)
    siblings = np.where(has_parent, n_children[p] - 1, 0)
    order = np.argsort(level, kind="stable")  # parents before children
    depth_groups = [order[level[order] == d] for d in range(level.max() + 1)]
    adopted = np.zeros(n, dtype=bool)
    adopted[0] = True  # the centre adopts and endorses
    for _ in range(periods):
        a = adopted.astype(float)
        kids = np.bincount(p[has_parent], weights=a[has_parent], minlength=n)
        pressure = np.zeros(n)
        for d, group in enumerate(depth_groups):
            if d == 0:
                pressure[group] = a[group] * 1.0
            else:
                pressure[group] = a[group] * 1.0 + 0.5 * pressure[parent[group]]
        v = np.where(has_parent, pressure[p], 0.0)
        h = np.where(siblings > 0, (kids[p] - 0) / np.maximum(siblings, 1), 0.0)
        u = np.where(n_children > 0, kids / np.maximum(n_children, 1), 0.0)
        eta = base + 1.0 * v + 2.0 * h + 1.0 * u
        hazard = -np.expm1(-np.exp(eta))
        adopted |= (~adopted) & (rng.random(n) < hazard)
    return int(adopted.sum())


def main():
    path = sys.argv[1]
    periods = int(sys.argv[2]) if len(sys.argv) > 2 else 240
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    parent, level, need, _ = load(path)
    times = []
    for r in range(reps):
        t0 = time.perf_counter()
        adopters = replicate(parent, level, need, periods, r)
        times.append(time.perf_counter() - t0)
    best = min(times)
    print(json.dumps({"tool": "numpy " + np.__version__, "units": int(parent.size), "periods": periods,
                      "seconds_per_replicate": best, "unit_periods_per_s": parent.size * periods / best,
                      "adopters_last": adopters}))


if __name__ == "__main__":
    main()
