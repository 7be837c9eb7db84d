SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
SOURCES := todo_service/__init__.py todo_service/__main__.py domain application adapters entrypoints tests
# pytest-xdist workers: one per core of the 2-core machines the suite is timed on (more
# only add contention there). tests/system runs on one of them, its tests one at a time.
TEST_WORKERS ?= 2
PARALLEL = -n $(TEST_WORKERS) --dist loadgroup
FAST_TESTS := tests/unit tests/contract tests/test_architecture.py tests/test_readme_examples.py

.PHONY: help install run migrate secrets check test lint format bench bench-latency bench-instructions

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[test]'
	touch $@

install: $(INSTALLED) ## Create .venv and install the service with its test tools

secrets: ## Write random JWT_SECRET / CURSOR_SECRET to .env unless configured
	@scripts/ensure-secrets $(PYTHON)

migrate: $(INSTALLED) ## Bring the database schema up to date (DATABASE_URL)
	$(BIN)/todo migrate

run: $(INSTALLED) secrets migrate ## Migrate the database and serve the API on HOST:PORT
	$(BIN)/todo serve

lint: $(INSTALLED) ## ruff, mypy (strict) and the architecture contracts
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format: $(INSTALLED) ## Fix what ruff can fix
	$(BIN)/ruff check --fix $(SOURCES)
	$(BIN)/ruff format $(SOURCES)

check: lint ## Lint, then the fast tests (unit, contract, architecture, README): under a minute
	$(BIN)/pytest $(PARALLEL) $(FAST_TESTS)

test: lint ## Lint, then run every test (in parallel; TEST_WORKERS=0 in one process)
	$(BIN)/pytest $(PARALLEL)

bench: $(INSTALLED) ## Benchmark the service against its ceiling on the local PostgreSQL (wrk)
	$(BIN)/python -m tests.performance.bench

bench-latency: $(INSTALLED) ## Latency one request at a time, the database 1 ms away (BENCH_DB_DELAY_MS)
	BENCH_PHASES=latency $(BIN)/python -m tests.performance.bench

bench-instructions: $(INSTALLED) ## CPU instructions per request (callgrind): comparable on a busy machine
	$(BIN)/python -m tests.performance.instructions
