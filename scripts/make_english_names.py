#!/usr/bin/env python3
"""Builds data/china/names_en.csv.gz: English (pinyin) names of China's provinces and counties.

Counties: `name_en` of ../shared/data/china_geo/county_units_2021.csv (the boundary file's
ENG_NAME, pinyin without the 县/区/市 suffix), moved to 2023 codes with the census crosswalk
../shared/data/china_census2020_county/code_crosswalk_2020_to_2023.csv (units whose 2023
successor merged several 2020 units, or none, get no name). Provinces: their conventional
English names (GB/T 2260 pinyin, with the usual forms for Inner Mongolia, Tibet and the
autonomous regions). Prefectures and townships: no source with English names ships with the
shared data, so they are left out (NULL in studies).

Run from the repository root: /usr/bin/python3 scripts/make_english_names.py
"""
import csv
import gzip
import io
from collections import defaultdict
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OUT = Path(__file__).resolve().parents[1] / "data" / "china" / "names_en.csv.gz"

PROVINCES = {
    "11": "Beijing", "12": "Tianjin", "13": "Hebei", "14": "Shanxi", "15": "Inner Mongolia",
    "21": "Liaoning", "22": "Jilin", "23": "Heilongjiang", "31": "Shanghai", "32": "Jiangsu",
    "33": "Zhejiang", "34": "Anhui", "35": "Fujian", "36": "Jiangxi", "37": "Shandong",
    "41": "Henan", "42": "Hubei", "43": "Hunan", "44": "Guangdong", "45": "Guangxi",
    "46": "Hainan", "50": "Chongqing", "51": "Sichuan", "52": "Guizhou", "53": "Yunnan",
    "54": "Tibet", "61": "Shaanxi", "62": "Gansu", "63": "Qinghai", "64": "Ningxia",
    "65": "Xinjiang",
}


def main():
    crosswalk = {}
    with open(SHARED / "china_census2020_county" / "code_crosswalk_2020_to_2023.csv",
              encoding="utf-8") as f:
        for row in csv.DictReader(f):
            crosswalk[row["code_2020"]] = row["code_2023"]
    # A 2023 code takes the name of the 2020 unit with the same code and the same Chinese name
    # (unchanged); otherwise the name of its one 2020 predecessor (renamed or re-coded); a
    # code with several predecessors and none unchanged gets none.
    same, moved = {}, defaultdict(set)
    with open(SHARED / "china_geo" / "county_units_2021.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            name_en = row["name_en"].strip()
            code = crosswalk.get(row["code"], row["code"])
            if not code or not name_en:
                continue
            if code == row["code"]:
                same[code] = name_en
            else:
                moved[code].add(name_en)
    names = dict(same)
    for code, n in moved.items():
        if code not in names and len(n) == 1:
            names[code] = next(iter(n))
    rows = [(code, name) for code, name in PROVINCES.items()]
    rows += sorted(names.items())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "name_en"])
    w.writerows(rows)
    # mtime 0: the same input gives the same bytes.
    with gzip.GzipFile(OUT, "wb", mtime=0) as g:
        g.write(buf.getvalue().encode("utf-8"))
    print(f"{OUT}: {len(rows)} names ({len(PROVINCES)} provinces, {len(rows) - len(PROVINCES)} counties)")


if __name__ == "__main__":
    main()
