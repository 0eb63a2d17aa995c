# One task runner for the README's commands. `make demo` and `make test` each create the
# virtual environment and install what they need on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DB ?= sqlite:///demo.db

.PHONY: install demo test lint typecheck unit bench case-study clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e . --group dev
	touch $(STAMP)

# The main job on the embedded default: a fresh SQLite file, the bundled UCDP extract
# ingested, a summary, a few reports, the demo agreement loaded and every report placed
# against its line, and a check of the tamper-evident log.
demo: $(STAMP)
	rm -f demo.db
	$(BIN)/ceasefire --db $(DEMO_DB) init
	$(BIN)/ceasefire --db $(DEMO_DB) ingest data/samples/ucdp_ged_donbas_minsk2.csv
	$(BIN)/ceasefire --db $(DEMO_DB) reports summary
	$(BIN)/ceasefire --db $(DEMO_DB) reports list --since 2015-02-15 --until 2015-02-20 --bbox 37.5,47.8,38.5,48.5 --limit 8
	$(BIN)/ceasefire --db $(DEMO_DB) agreement load korea-model-demo
	$(BIN)/ceasefire --db $(DEMO_DB) reports list --side UA --sector "Donetsk Oblast" --limit 5
	$(BIN)/ceasefire --db $(DEMO_DB) incidents list --since 2015-02-15 --until 2015-02-16
	$(BIN)/ceasefire --db $(DEMO_DB) incidents show INC-3 --as observer
	$(BIN)/ceasefire --db $(DEMO_DB) report daily --date 2015-02-16 -o demo-daily.html
	$(BIN)/ceasefire --db $(DEMO_DB) verify

# The energy-moratorium case study (docs/case-study-energy-moratorium.md): the real strike
# data, read from ../shared (its licence is not stated, so it is not in this repository),
# replayed under the moratorium plan and under coalition-three-phase.
STRIKES ?= ../shared/data/real/strikes/missile_attacks_daily_shared.csv
CASE_DB := sqlite:///case-study.db
case-study: $(STAMP)
	@test -f $(STRIKES) || { echo "$(STRIKES) is absent: clone the project beside shared/"; exit 2; }
	rm -f case-study.db
	$(BIN)/ceasefire --db $(CASE_DB) init
	$(BIN)/ceasefire --db $(CASE_DB) ingest --format missile-attacks --rejects-dir . $(STRIKES)
	$(BIN)/ceasefire --db $(CASE_DB) simulate --compare energy-moratorium-2025 --compare coalition-three-phase --truce 2025-03-18T00:00+02:00/2025-04-17T00:00+03:00 --counting reported
	$(BIN)/ceasefire --db $(CASE_DB) simulate --plan coalition-three-phase --truce 2025-03-18T00:00+02:00/2025-04-17T00:00+03:00 --counting reported
	$(BIN)/ceasefire --db $(CASE_DB) simulate --compare energy-moratorium-2025 --compare coalition-three-phase --truce 2025-03-18T00:00+02:00/2025-04-17T00:00+03:00 --counting reported --format html -o case-study.html

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

# The whole suite: lint, types, and the tests on SQLite and on the real PostgreSQL.
test: $(STAMP)
	bash scripts/ensure-services
	$(MAKE) --no-print-directory lint typecheck
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --group bench
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/classify.py
	$(BIN)/python benchmarks/replay.py
	$(BIN)/python benchmarks/grouping.py
	$(BIN)/python benchmarks/api_load.py
	$(BIN)/python benchmarks/simulate.py
	$(BIN)/python benchmarks/reconcile.py
	$(BIN)/python benchmarks/extract_eval.py
	$(BIN)/python benchmarks/dashboard.py   # needs /usr/bin/chromium (scripts/ensure-services installs it)

clean:
	rm -rf $(VENV) demo.db demo-daily.html case-study.db case-study.html .pytest_cache .mypy_cache .ruff_cache
