# Thin wrapper: set up, configure, build, then run. See README.md.
JOBS ?= $(shell nproc)
BUILD := build/release
PDLAB := $(BUILD)/pdlab

.PHONY: setup build python demo test sanitize-build test-sanitize test-asan build-clang test-fuzz bench docs format clean

setup:
	@bash scripts/setup.sh

build: setup
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) -- --no-print-directory

# The Python package (docs/python.md): builds the pybind11 module and installs `pdlab` into
# the user site-packages of Debian's python3 (PYTHON_SITE=DIR installs it elsewhere).
PYTHON_SITE ?= $(shell /usr/bin/python3 -m site --user-site)

python: setup
	@cmake --preset release -DPDLAB_PYTHON_INSTALL_DIR=$(PYTHON_SITE) >/dev/null
	@cmake --build --preset release -j $(JOBS) --target _pdlab -- --no-print-directory
	@cmake --install $(BUILD) --component python >/dev/null
	@echo "pdlab: Python package installed in $(PYTHON_SITE)/pdlab (import pdlab; docs/python.md)"

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

# The release suite, then one clang build with ASan + UBSan + libFuzzer coverage (preset
# fuzz) that serves both the sanitizer suite (without the long statistical tests, which run in
# the release suite on the same code, and without the browser check) and a short run of each
# fuzz target; docs/testing.md. pdlab is compiled twice, not three times. Every stage runs;
# the exit status is nonzero if any failed.
test: build
	@bash scripts/setup.sh --test
	@status=0; \
	echo "== make test: release suite (build/release)"; \
	(cd $(BUILD) && ctest --output-on-failure -j $(JOBS)) || status=1; \
	echo "== make test: ASan+UBSan suite, clang (build/fuzz)"; \
	$(MAKE) --no-print-directory test-sanitize || status=1; \
	echo "== make test: fuzz targets, $(FUZZ_SECONDS) s each (build/fuzz)"; \
	$(MAKE) --no-print-directory test-fuzz || status=1; \
	[ $$status = 0 ] || echo "make test: FAILED (see the stages above)"; \
	exit $$status

FUZZ_SECONDS ?= 20

sanitize-build: setup
	@cmake --preset fuzz -DPDLAB_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build --preset fuzz -j $(JOBS) -- --no-print-directory

test-sanitize: sanitize-build
	ctest --preset fuzz -j $(JOBS) -LE "statistical|fuzz|report"

test-fuzz: sanitize-build
	ctest --preset fuzz -j $(JOBS) -L fuzz

# The same suite built with g++'s sanitizers (not part of make test).
test-asan: setup
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS) -- --no-print-directory
	ctest --preset asan -j $(JOBS) -LE statistical

build-clang: setup
	@cmake --preset clang >/dev/null
	@cmake --build --preset clang -j $(JOBS) -- --no-print-directory

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
