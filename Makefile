# One task runner for the README's commands. `make demo`, `make check` and `make test` each
# create the virtual environment and install what they need on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DB ?= sqlite:///demo.db
# The integration and end-to-end tests over pytest-xdist workers: two, one a core here (auto
# asks for the same). With worksteal, a worker that runs out takes tests still waiting at the
# other: the whole suite ends a third sooner than with the tests shared out once at the start
# (BENCHMARKS.md, Test loop).
XDIST ?= -n 2 --dist worksteal

.PHONY: install demo check test lint typecheck unit integration e2e bench case-study clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e . --group dev
	touch $(STAMP)

# The main job on the embedded default: the bundled agreement on the real 2025 line, three days
# of a truce with violations up to now (monitors' reports, and the parties' complaints naming
# who fired), the default plan adopted, its clocks run once (phases, actions, notifications
# written to a local folder), a decision explained, yesterday's daily report, and the record
# checked. Every date is relative to now, so it runs alike on any day.
CF := $(BIN)/ceasefire --db $(DEMO_DB)
demo: $(STAMP)
	rm -rf demo.db demo-reports.csv demo-daily.html demo-alerts
	mkdir demo-alerts
	$(CF) init
	$(CF) agreement load korea-model-demo
	$(CF) scenario generate --agreement korea-model-demo --from -3d --until now --seed 7 -o demo-reports.csv
	$(CF) ingest demo-reports.csv
	$(CF) plan adopt coalition-three-phase --counting reported
	$(CF) notify add folder demo-alerts --events phase,action
	$(CF) clock --once
	$(CF) tracks
	$(CF) actions list
	$(CF) explain RU:2
	$(CF) publish daily --date yesterday -o demo-daily.html
	$(CF) verify
	@echo
	@echo "Notifications written to demo-alerts/: $$(ls demo-alerts | wc -l) files; yesterday's daily report: demo-daily.html."
	@echo "The dashboard: $(CF) users add me --role analyst   (prints a token), then"
	@echo "               $(CF) serve   and open http://127.0.0.1:8000/ with that token."

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

# The loop while working, in seconds: ruff, mypy and the unit tests (no database, no
# server; in one process, which beats starting xdist workers for them). Locally the property
# tests run a fifth of their examples, CI all of them (tests/conftest.py).
check: $(STAMP)
	$(MAKE) --no-print-directory lint typecheck unit

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

# The tiers apart: the integration tests need the PostgreSQL, the end-to-end ones Chromium too.
integration: $(STAMP)
	bash scripts/ensure-services
	$(BIN)/pytest -q $(XDIST) tests/integration

e2e: $(STAMP)
	bash scripts/ensure-services
	$(BIN)/pytest -q $(XDIST) tests/e2e

# The whole suite, what CI runs: lint, types, and every test on SQLite and on the real
# PostgreSQL, spread over the xdist workers.
test: $(STAMP)
	bash scripts/ensure-services
	$(MAKE) --no-print-directory lint typecheck
	$(BIN)/pytest -q $(XDIST)

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
	$(BIN)/python benchmarks/live_loop.py   # PostgreSQL and Chromium; builds a 1M-report record once (6 min)
	$(BIN)/python benchmarks/barrage.py     # PostgreSQL; uses (or builds) live_loop.py's 10k record

clean:
	rm -rf $(VENV) demo.db demo-reports.csv demo-daily.html demo-alerts case-study.db case-study.html .pytest_cache .mypy_cache .ruff_cache
