# Two commands on a fresh machine with only Python: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint install bench clean lock client

# The pinned, hash-checked dependencies from requirements-dev.lock, then mailhook itself without dependencies.
$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/mailhook run

test: $(STAMP) lint
	$(BIN)/pytest -n 2 --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Benchmarks need Postgres, Redis and Debian's wrk (installed here when missing and run as root).
bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.run

# After changing a dependency in pyproject.toml: re-resolve both lock files (every platform, with hashes). The
# image's lock (psycopg compiled against the system libpq) is resolved within the dev lock, so the image runs
# the very versions the tests ran.
lock: $(STAMP)
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --universal --generate-hashes -q \
		-o requirements-dev.lock
	$(BIN)/uv pip compile pyproject.toml --extra c --python-version 3.11 --universal --generate-hashes -q \
		-c requirements-dev.lock -o requirements.lock

# The typed Python client in clients/python/, generated from the API's OpenAPI document by the pinned
# openapi-python-client. Run after changing the API, and commit the result (a test compares the two).
client: $(STAMP)
	$(BIN)/python clients/generate.py

clean:
	rm -rf $(VENV) var/*.sqlite3* var/broker
