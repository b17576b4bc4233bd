#!/usr/bin/env python3
"""Prefecture and province neighbour lists shipped in data/china/ (docs: data/china/README.md).

Built from the shipped county adjacency (data/china/county_adjacency.csv.gz: 2021 county
boundaries of ../shared/data/china_geo, recoded to 2023 codes by scripts/make_china_data.py)
and the shipped hierarchy (data/china/units.csv.gz): every county pair whose counties lie in
different prefectures (provinces) adds its shared border length to that prefecture (province)
pair, so the lists use the hierarchy's own ids and its 2023 boundaries of the units.

Run from the repository root: python3 scripts/make_china_adjacency.py
Output (deterministic bytes): data/china/prefecture_adjacency.csv.gz,
data/china/province_adjacency.csv.gz, columns from,to,weight (each pair once, from < to,
weight = shared border km rounded to 0.001).
"""
import csv
import gzip
import io
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "china"


def read_gz_csv(path):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def main():
    units = {u["id"]: u for u in read_gz_csv(DATA / "units.csv.gz")}

    def ancestor(uid, level):
        while uid and units[uid]["level"] != level:
            uid = units[uid]["parent_id"]
        return uid or None

    pairs = {"prefecture": {}, "province": {}}
    skipped = 0
    for e in read_gz_csv(DATA / "county_adjacency.csv.gz"):
        a, b, w = e["from"], e["to"], float(e["weight"])
        if a not in units or b not in units:
            skipped += 1
            continue
        for level, acc in pairs.items():
            pa, pb = ancestor(a, level), ancestor(b, level)
            if pa is None or pb is None or pa == pb:
                continue
            key = (min(pa, pb), max(pa, pb))
            acc[key] = acc.get(key, 0.0) + w
    for level, acc in pairs.items():
        buf = io.StringIO()
        out = csv.writer(buf, lineterminator="\n")
        out.writerow(["from", "to", "weight"])
        for (a, b), w in sorted(acc.items()):
            out.writerow([a, b, f"{w:.3f}"])
        path = DATA / f"{level}_adjacency.csv.gz"
        with open(path, "wb") as f:
            with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as g:
                g.write(buf.getvalue().encode("utf-8"))
        units_with = {u for pair in acc for u in pair}
        print(f"{path.relative_to(ROOT)}: {len(acc)} pairs, {len(units_with)} units")
    if skipped:
        print(f"{skipped} county pairs with a unit not in the hierarchy were skipped")


if __name__ == "__main__":
    main()
