# Thin wrapper: set up, configure, build, then run. See README.md.
JOBS ?= $(shell nproc)
BUILD := build/release
PDLAB := $(BUILD)/pdlab

.PHONY: setup build demo test bench docs format clean

setup:
	@bash scripts/setup.sh

build: setup
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) -- --no-print-directory

demo: build
	@mkdir -p results
	$(PDLAB) run scenarios/examples/jiangsu_mandate.toml --out results/jiangsu_mandate.sqlite --force
	$(PDLAB) export results/jiangsu_mandate.sqlite --table summary_time --format csv --out results/jiangsu_mandate_summary.csv --force
	@echo "Share of Jiangsu's townships/streets that adopted (mean and 90% band over replicates):"
	@sqlite3 -header -column results/jiangsu_mandate.sqlite "SELECT date, round(mean, 3) AS mean, round(q05, 3) AS q05, round(q95, 3) AS q95 FROM summary_time WHERE level = 'township' AND metric = 'adopted' AND date LIKE '%-12' ORDER BY period"
	@echo "Results: results/jiangsu_mandate.sqlite (all tables), results/jiangsu_mandate_summary.csv (adoption by level and month)"
	@echo
	@echo "The four cases and the Jiangsu roll-out side by side (docs/cases.md):"
	$(PDLAB) cases --out results/cases --force

test: build
	@bash scripts/setup.sh --test
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	@/usr/bin/python3 bench/run_bench.py --pdlab $(BUILD)/pdlab --bench $(BUILD)/bench/pdlab_bench

docs: build
	$(BUILD)/pdlab_paramdoc > docs/parameters.md
	$(BUILD)/pdlab_paramdoc --metrics > docs/metrics.md
	$(BUILD)/pdlab_paramdoc --outputs > docs/outputs.md

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build
