#!/usr/bin/env python3
"""Compares a CSV export with its golden file: the same rows and text cells, numbers within a
relative tolerance. The governance layer's vector width (SSE, AVX2, AVX-512) and FMA change the
last bits of its sums between CPU kinds (docs/model.md 7.9.5); measured across the three widths
on toy_restructure the largest relative difference was 2.1e-4 (an sd near 0.006), so 1e-3
(against values floored at 1e-3) passes every CPU kind while a changed mechanism does not."""
import csv
import math
import sys

TOL = 1e-3


def main(golden_path, new_path):
    with open(golden_path, newline="") as f:
        golden = list(csv.reader(f))
    with open(new_path, newline="") as f:
        new = list(csv.reader(f))
    if len(golden) != len(new):
        print(f"{new_path}: {len(new)} rows, golden {len(golden)}")
        return 1
    bad = 0
    for i, (g, n) in enumerate(zip(golden, new)):
        if len(g) != len(n):
            print(f"{new_path}:{i + 1}: {len(n)} cells, golden {len(g)}")
            return 1
        for j, (x, y) in enumerate(zip(g, n)):
            if x == y:
                continue
            try:
                fx, fy = float(x), float(y)
            except ValueError:
                fx = fy = math.nan
            if math.isnan(fx) or math.isnan(fy) or \
                    abs(fx - fy) > TOL * max(1e-3, abs(fx), abs(fy)):
                if bad < 10:
                    print(f"{new_path}:{i + 1}: column '{golden[0][j]}': {y}, golden {x}")
                bad += 1
    if bad:
        print(f"{new_path}: {bad} cells differ from the golden file beyond {TOL}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
