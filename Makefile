# spotcheck — the two commands of the quick start: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PG_URL ?= postgres://postgres@127.0.0.1:5432
PYTEST_ARGS ?=

.PHONY: run test setup sysdeps lint test-sqlite test-postgres schemathesis bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

# JavaScript libraries from the npm registry (package-lock.json), served as static files.
# The project's bytecode, compiled once (only what changed since): a process that starts
# (a command, a worker, a web worker) then loads it instead of compiling every module
# again, which it would do on each start where PYTHONDONTWRITEBYTECODE is set.
setup: $(STAMP)
	@bin/static-vendor
	@$(BIN)/python -m compileall -q -j 0 config spotcheck verifier manage.py >/dev/null

# Debian chromium (browser tests), Noto CJK fonts (screenshots, PDFs) and poppler-utils (the tests
# that look at PDF pages), installed when missing.
sysdeps:
	@bin/sysdeps

run: setup sysdeps
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v0
	SPOTCHECK_DEMO=1 $(BIN)/python manage.py setup_demo
	SPOTCHECK_DEMO=1 bin/serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

test-sqlite: setup sysdeps
	$(BIN)/pytest -n 2 --dist loadfile --durations=15 $(PYTEST_ARGS)

# A fresh PostgreSQL database per run, dropped afterwards; skipped when no server answers.
test-postgres: setup sysdeps
	@bin/with-postgres "$(PG_URL)" $(BIN)/pytest -n 2 --dist loadfile --durations=15 $(PYTEST_ARGS)

# The live API (gunicorn on a scratch database with demo data) against its own OpenAPI
# schema, as the office: fails on any 5xx, any reply outside the schema, any undocumented status.
schemathesis: setup
	@bin/schemathesis-run

test: lint test-sqlite test-postgres schemathesis

bench: setup
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) staticfiles test-output
