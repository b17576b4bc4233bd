#!/usr/bin/env python3
"""Builds examples/dual_carbon/ from the shared research data (run once; output committed).

events.csv: first year each prefecture-level city had adopted a "dual carbon" policy
(2020-2023); covariates.csv: log GDP per capita and CO2 per GDP in 2020 (long format);
prefecture_adjacency.csv: prefectures sharing a border (km), recoded to the NBS 4-digit
prefecture ids used by pdlab's China hierarchy.
Usage: python3 scripts/make_dual_carbon_example.py [SHARED_DATA_DIR]
"""
import csv
import math
import sys
from collections import defaultdict
from pathlib import Path

src = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data")
out = Path(__file__).resolve().parents[1] / "examples" / "dual_carbon"


def prefecture_id(code6):
    """6-digit city code -> pdlab prefecture id (NBS 4 digits)."""
    code6 = code6.strip()
    if code6 in ("500100", "500000"):
        return "5001"
    if code6 == "500200":
        return "5002"
    if code6.endswith("0000"):  # municipality
        return code6[:2] + "01"
    if code6[2] == "9":  # province-administered county-level units
        return code6[:2] + "90"
    return code6[:4]


with open(src / "china_policy_adoption" / "dual_carbon_city_adoption.csv", encoding="utf-8") as f:
    cities = list(csv.DictReader(f))
with open(out / "events.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["unit_id", "policy_id", "time"])
    for r in cities:
        if r["adoption_year"]:
            w.writerow([prefecture_id(r["code_2023"]), "dual_carbon", r["adoption_year"]])

with open(src / "china_policy_adoption" / "dual_carbon_prefecture_panel.csv", encoding="utf-8") as f:
    panel = [r for r in csv.DictReader(f) if r["year"] == "2020"]
with open(out / "covariates.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["unit_id", "time", "variable", "value"])
    for r in panel:
        uid = prefecture_id(r["code_2023"])
        gdp_pc = float(r["GDP_per_capita"]) if r["GDP_per_capita"] else None
        co2 = float(r["CO2_emissions_per_GDP"]) if r["CO2_emissions_per_GDP"] else None
        if gdp_pc and gdp_pc > 0:
            w.writerow([uid, "2020", "log_gdp_pc", f"{math.log(gdp_pc):.6f}"])
        if co2 is not None:
            w.writerow([uid, "2020", "co2_per_gdp", f"{co2:.6f}"])

edges = defaultdict(float)
with open(src / "china_geo" / "prefecture_adjacency_2021.csv", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        a, b = prefecture_id(r["prefecture_a"]), prefecture_id(r["prefecture_b"])
        if a != b:
            edges[(min(a, b), max(a, b))] += float(r["shared_border_km"])
with open(out / "prefecture_adjacency.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["from", "to", "weight"])
    for (a, b), km in sorted(edges.items()):
        w.writerow([a, b, f"{km:.3f}"])
print(f"{sum(1 for r in cities if r['adoption_year'])} adoptions, {len(panel)} panel rows, {len(edges)} edges")
