#!/usr/bin/env python3
"""Builds pdlab's shipped China hierarchy from ../shared/data (run once; output is committed).

Writes data/china/units.csv.gz (one row per unit, nation -> village/community) and
data/china/county_adjacency.csv.gz (county pairs sharing a land border, 2023 codes).
Joins: 2020 census migrant and urban shares, population and primary-age share, by county, mapped to 2023 codes
with the census crosswalk; see data/china/README.md for the rules.
Usage: python3 scripts/make_china_data.py [SHARED_DATA_DIR]
"""
import csv
import gzip
import sys
from collections import defaultdict
from pathlib import Path

src = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data")
out = Path(__file__).resolve().parents[1] / "data" / "china"
out.mkdir(parents=True, exist_ok=True)


def rows(rel):
    with open(src / rel, encoding="utf-8") as f:
        yield from csv.DictReader(f)


crosswalk = {r["code_2020"]: r["code_2023"] for r in rows("china_census2020_county/code_crosswalk_2020_to_2023.csv")}

# County census figures, combined population-weighted where several 2020 units map to one 2023 code.
acc = defaultdict(lambda: [0.0, 0.0, 0.0])  # population, migrants, urban residents
for r in rows("china_census2020_county/population.csv"):
    code = crosswalk.get(r["code"], r["code"])
    if not code or not r["POPU"]:
        continue
    pop = float(r["POPU"])
    migrant = float(r["POPU_REG_P"]) + float(r["POPU_REG_O"])
    a = acc[code]
    a[0] += pop
    a[1] += pop * migrant
    a[2] += pop * float(r["POPU_URB"])

# Residents of primary-school age (6-11) per county: the census gives 5-year bands, so ages
# 6-9 are taken as 4/5 of ages 5-9 and ages 10-11 as 2/5 of ages 10-14 (uniform within a band).
primary = defaultdict(lambda: [0.0, 0.0])  # population, children 6-11
pops = {r["code"]: float(r["POPU"]) for r in rows("china_census2020_county/population.csv") if r["POPU"]}
for r in rows("china_census2020_county/ages.csv"):
    code = crosswalk.get(r["code"], r["code"])
    if not code or r["code"] not in pops or not r["AGES_5-9"] or not r["AGES_10-14"]:
        continue
    pop = pops[r["code"]]
    primary[code][0] += pop
    primary[code][1] += pop * (0.8 * float(r["AGES_5-9"]) + 0.4 * float(r["AGES_10-14"]))

provinces = list(rows("china_admin_divisions/provinces.csv"))
cities = list(rows("china_admin_divisions/cities.csv"))
areas = list(rows("china_admin_divisions/areas.csv"))

# Aggregate county figures up to prefecture, province and nation for the fallback and upper levels.
up = defaultdict(lambda: [0.0, 0.0, 0.0])
for r in areas:
    a = acc.get(r["code"])
    if a:
        for key in (r["city_code"], r["province_code"], "0"):
            for i in range(3):
                up[key][i] += a[i]
up_primary = defaultdict(lambda: [0.0, 0.0])
for r in areas:
    a = primary.get(r["code"])
    if a:
        for key in (r["city_code"], r["province_code"], "0"):
            for i in range(2):
                up_primary[key][i] += a[i]


def child(a):
    return f"{a[1] / a[0]:.4f}" if a and a[0] > 0 else ""


def shares(a):
    return (f"{a[1] / a[0]:.4f}", f"{a[2] / a[0]:.4f}") if a and a[0] > 0 else ("", "")


# Unit types from names (docs/model.md 7.13), the first matching suffix wins; the NBS code's
# digits 7-9 are not used (a few street offices and towns carry 400-599 codes).
TYPES = {
    "province": (("自治区", "autonomous_region"), ("市", "municipality"), ("省", "province")),
    "prefecture": (("市辖区", "placeholder"), ("直辖县级行政区划", "placeholder"),
                   ("自治州", "autonomous_prefecture"), ("地区", "region"), ("盟", "league"),
                   ("市", "prefecture_city")),
    "county": (("自治县", "autonomous_county"), ("自治旗", "autonomous_banner"), ("旗", "banner"),
               ("林区", "forest_district"), ("特区", "special_district"), ("区", "district"),
               ("县", "county"), ("市", "county_city")),
    "township": (("街道办事处", "street_office"), ("街道", "street_office"), ("族乡", "ethnic_township"),
                 ("族苏木", "ethnic_township"), ("镇", "town"), ("乡", "township"), ("苏木", "township")),
    "village": (("村民委员会", "village"), ("村委会", "village"), ("牧委会", "village"), ("嘎查", "village"),
                ("村", "village"), ("居民委员会", "community"), ("居委会", "community"), ("社区", "community")),
}
OTHER = {"province": "province", "prefecture": "other_prefecture", "county": "other_county",
         "township": "other_township", "village": "other_village"}


def unit_type(level, name, code):
    if level == "nation":
        return "nation"
    if level == "county" and len(code) == 6 and code[4] == "7":
        return "development_zone"  # NBS XXYY7Z codes
    for suffix, t in TYPES[level]:
        if name.endswith(suffix):
            return t
    return OTHER[level]


n_fallback = 0
county_share = {}
with gzip.open(out / "units.csv.gz", "wt", encoding="utf-8", newline="", compresslevel=9) as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["id", "parent_id", "level", "name", "population", "migrant_share", "urban_share", "census_imputed", "primary_share", "type"])
    w.writerow(["0", "", "nation", "中华人民共和国", f"{up['0'][0]:.0f}", *shares(up["0"]), "0", child(up_primary.get("0")), "nation"])
    for r in provinces:
        a = up[r["code"]]
        w.writerow([r["code"], "0", "province", r["name"], f"{a[0]:.0f}", *shares(a), "0", child(up_primary.get(r["code"])), unit_type("province", r["name"], r["code"])])
    for r in cities:
        a = up.get(r["code"])
        w.writerow([r["code"], r["province_code"], "prefecture", r["name"], f"{a[0]:.0f}" if a else "", *shares(a), "0", child(up_primary.get(r["code"])), unit_type("prefecture", r["name"], r["code"])])
    for r in areas:
        a = acc.get(r["code"])
        imputed = "0"
        if a is None:  # no census row (2023 code created after the census): prefecture's shares
            a, imputed, pop = up.get(r["city_code"]), "1", ""
            n_fallback += 1
        else:
            pop = f"{a[0]:.0f}"
        county_share[r["code"]] = (shares(a), imputed)
        c = primary.get(r["code"]) or up_primary.get(r["city_code"])
        w.writerow([r["code"], r["city_code"], "county", r["name"], pop, *shares(a), imputed, child(c), unit_type("county", r["name"], r["code"])])
    for r in rows("china_admin_divisions/streets.csv"):
        (m, u), _ = county_share[r["area_code"]]
        w.writerow([r["code"], r["area_code"], "township", r["name"], "", m, u, "1", "", unit_type("township", r["name"], r["code"])])
    for r in rows("china_admin_divisions/villages.csv"):
        (m, u), _ = county_share[r["area_code"]]
        w.writerow([r["code"], r["street_code"], "village", r["name"], "", m, u, "1", "", unit_type("village", r["name"], r["code"])])

known = {r["code"] for r in areas}
edges = defaultdict(float)
for r in rows("china_geo/county_adjacency_2021.csv"):
    a, b = crosswalk.get(r["code_a"], r["code_a"]), crosswalk.get(r["code_b"], r["code_b"])
    if a and b and a != b and a in known and b in known:
        edges[(min(a, b), max(a, b))] += float(r["shared_border_km"])
with gzip.open(out / "county_adjacency.csv.gz", "wt", encoding="utf-8", newline="", compresslevel=9) as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["from", "to", "weight"])
    for (a, b), km in sorted(edges.items()):
        w.writerow([a, b, f"{km:.3f}"])
print(f"counties without census row (prefecture shares used): {n_fallback}; adjacency pairs: {len(edges)}")
