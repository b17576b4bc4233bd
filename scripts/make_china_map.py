#!/usr/bin/env python3
"""Builds data/china/map_counties.topojson.gz: county boundaries for `pdlab report`'s map.

Source: ../shared/data/china_geo/counties_2021_albers.topojson (object `county`, 2,990
polygons, projected metres in an Albers equal-area conic; see data/china/README.md for the
source and licence). Each polygon's 2021 code is moved to the 2023 code of the hierarchy
(data/china/units.csv.gz) with the census crosswalk
../shared/data/china_census2020_county/code_crosswalk_2020_to_2023.csv; polygons whose units
merged into one 2023 unit become one MultiPolygon; polygons with no 2023 successor are dropped.
Arcs are simplified one by one (Douglas-Peucker, tolerance TOLERANCE_M metres; the end points
are kept, so neighbouring units still share their border exactly) and quantised to
GRID_M metres. Only the 2023 code is kept as a property (`id`); names, prefectures and
provinces come from the study's own units table, and `pdlab report` derives the prefecture
and province borders from the shared arcs.

Run from the repository root: /usr/bin/python3 scripts/make_china_map.py
"""
import csv
import gzip
import json
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "data" / "china" / "map_counties.topojson.gz"
TOLERANCE_M = 500.0
GRID_M = 100.0


def decode(arc, scale, translate):
    x = y = 0
    out = []
    for dx, dy in arc:
        x += dx
        y += dy
        out.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
    return out


def simplify(pts, tol):
    """Douglas-Peucker, iterative; keeps the first and last point."""
    if len(pts) <= 2:
        return pts
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = pts[a], pts[b]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5
        best, far = -1.0, -1
        for i in range(a + 1, b):
            px, py = pts[i]
            if norm == 0:
                d = ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            else:
                d = abs(dy * (px - ax) - dx * (py - ay)) / norm
            if d > best:
                best, far = d, i
        if far >= 0 and best > tol:
            keep[far] = True
            stack.append((a, far))
            stack.append((far, b))
    out = [p for p, k in zip(pts, keep) if k]
    # A closed ring (an island drawn by one arc) needs at least 4 points.
    if pts[0] == pts[-1] and len(out) < 4:
        out = [pts[0], pts[len(pts) // 3], pts[2 * len(pts) // 3], pts[-1]]
    return out


def main():
    topo = json.load(open(SHARED / "china_geo" / "counties_2021_albers.topojson", encoding="utf-8"))
    scale, translate = topo["transform"]["scale"], topo["transform"]["translate"]
    crosswalk = {}
    with open(SHARED / "china_census2020_county" / "code_crosswalk_2020_to_2023.csv",
              encoding="utf-8") as f:
        for row in csv.DictReader(f):
            crosswalk[row["code_2020"]] = row["code_2023"]
    counties = set()
    with gzip.open(ROOT / "data" / "china" / "units.csv.gz", "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["level"] == "county":
                counties.add(row["id"])
    polys = defaultdict(list)  # 2023 code -> list of polygons (lists of rings of arc indices)
    dropped = []
    for g in topo["objects"]["county"]["geometries"]:
        code = str(g["properties"]["CODE"])
        code = crosswalk.get(code, code)
        if code not in counties:
            dropped.append(str(g["properties"]["CODE"]))
            continue
        if g["type"] == "Polygon":
            polys[code].append(g["arcs"])
        else:
            polys[code].extend(g["arcs"])
    used = sorted({a if a >= 0 else ~a for ps in polys.values() for p in ps for r in p for a in r})
    new_index = {a: i for i, a in enumerate(used)}
    x0 = translate[0]
    y0 = translate[1]
    arcs = []
    for a in used:
        pts = simplify(decode(topo["arcs"][a], scale, translate), TOLERANCE_M)
        q = [(round((x - x0) / GRID_M), round((y - y0) / GRID_M)) for x, y in pts]
        # Drop repeated points after quantisation (but keep a ring closed with >= 4 points).
        dedup = [q[0]] + [p for i, p in enumerate(q[1:], 1) if p != q[i - 1]]
        if len(dedup) < 2:
            dedup = [q[0], q[-1]]
        if q[0] == q[-1] and len(dedup) < 4:
            dedup = q if len(q) >= 4 else q + [q[-1]] * (4 - len(q))
        enc, px, py = [], 0, 0
        for x, y in dedup:
            enc.append([x - px, y - py])
            px, py = x, y
        arcs.append(enc)

    def remap(a):
        return new_index[a] if a >= 0 else ~new_index[~a]

    geoms = []
    for code in sorted(polys):
        ps = [[[remap(a) for a in ring] for ring in p] for p in polys[code]]
        if len(ps) == 1:
            geoms.append({"type": "Polygon", "arcs": ps[0], "id": code})
        else:
            geoms.append({"type": "MultiPolygon", "arcs": ps, "id": code})
    out = {
        "type": "Topology",
        "transform": {"scale": [GRID_M, GRID_M], "translate": [x0, y0]},
        "objects": {"county": {"type": "GeometryCollection", "geometries": geoms}},
        "arcs": arcs,
    }
    text = json.dumps(out, separators=(",", ":"), ensure_ascii=False)
    with gzip.GzipFile(OUT, "wb", mtime=0) as g:
        g.write(text.encode("utf-8"))
    n_pts = sum(len(a) for a in arcs)
    print(f"{OUT}: {len(geoms)} counties ({len(counties - set(polys))} hierarchy counties without "
          f"a polygon), {len(dropped)} polygons dropped, {len(arcs)} arcs, {n_pts} points, "
          f"{len(text)} bytes of JSON, {OUT.stat().st_size} gzipped")


if __name__ == "__main__":
    main()
