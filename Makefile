# lab — two commands: `make run` and `make test`.
SHELL := /bin/bash
# The first of these that is Python 3.11 or newer (evaluated once).
ifndef PYTHON
PYTHON := $(shell for p in python3 python3.13 python3.12 python3.11; do \
	if $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then echo $$p; break; fi; done)
endif
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
TEST_STAMP := $(VENV)/.test-installed
# One test worker per core (pytest-xdist); each has its own databases. TEST_WORKERS=0: none.
TEST_WORKERS ?= auto

.PHONY: run test install lint format migrate demo clean bench messages

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then echo "lab needs Python 3.11 or newer (python3.11, python3.12 …) on the PATH." >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@ $(RUNTIME_STAMP)

install: $(RUNTIME_STAMP)

## make run: set everything up (virtualenv, dependencies, migrations, demo data) and serve on :8000
run: $(RUNTIME_STAMP)
	$(BIN)/lab migrate
	$(BIN)/lab demo --if-empty
	$(BIN)/lab serve

## make test: the whole suite (PostgreSQL, Redis and browser tests run when available; CI requires them)
test: $(TEST_STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check lab tests bench
	$(BIN)/ruff format --check lab tests bench

format: $(TEST_STAMP)
	$(BIN)/ruff format lab tests bench
	$(BIN)/ruff check --fix lab tests bench

migrate: $(RUNTIME_STAMP)
	$(BIN)/lab migrate

demo: $(RUNTIME_STAMP)
	$(BIN)/lab demo

## make messages: extract translatable text and update the en and nl catalogues
messages: $(TEST_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -o locales/messages.pot --no-location --omit-header \
		--sort-output --ignore-dirs='.* __pycache__' .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -l en --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel update -i locales/messages.pot -d locales -l nl --no-fuzzy-matching --ignore-obsolete

## make bench: print the benchmarks' figures (set LAB_BENCH_DATABASE_URL for PostgreSQL too)
bench: $(TEST_STAMP)
	$(BIN)/python bench/checkin.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/booking_contention.py
	$(BIN)/python bench/cached.py
	$(BIN)/python bench/visitor_search.py
	$(BIN)/python bench/kiosk_weight.py
	$(BIN)/python bench/export.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
