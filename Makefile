# The entry points. README names two of them: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run up test lint typecheck bench install clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) on PATH"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)  ## create .venv and install the project with its tools

run: $(STAMP)  ## start everything, feed a simulated province, print the report, stop
	$(BIN)/reuse-tracker demo

up: $(STAMP)  ## start the stack and the services until Ctrl-C
	$(BIN)/reuse-tracker up

test: $(STAMP) lint typecheck  ## the whole suite against the real local stack
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy services schemas reuse_tracker tests

clean:
	rm -rf var/demo var/test .pytest_cache .mypy_cache .ruff_cache
