# The two commands: `make run` (demo data, web + Celery worker + beat on http://127.0.0.1:8000/)
# and `make test`. Both need only Python 3.11+; they create .venv and install the project first.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# pytest-xdist: two processes, one per core of the reference machine. `make test XDIST=0` runs serially.
XDIST ?= 2
BENCH_CUSTOMERS ?= 100000
BENCH_RUNS ?= 20
DEMO_CUSTOMERS ?= 300

# `make run` serves the local settings (SQLite, file-system broker); the tests always use crm.settings.test.
RUN_SETTINGS ?= crm.settings.local
MANAGE := DJANGO_SETTINGS_MODULE=$(RUN_SETTINGS) $(PY) manage.py
PYTEST := DJANGO_SETTINGS_MODULE=crm.settings.test $(PY) -m pytest $(if $(filter-out 0,$(XDIST)),-n $(XDIST))

.PHONY: help install run demo migrate test test-fast lint format messages bench clean

help:
	@echo "make run       install, migrate, load demo data, start web + Celery worker + beat (Ctrl-C stops all)"
	@echo "make test      install, then run the whole test suite (pytest, $(XDIST) processes)"
	@echo "make lint      ruff check"
	@echo "make messages  extract, fill zh_Hans from locale/fragments/*.json and compile the catalogues"
	@echo "make bench     $(BENCH_CUSTOMERS) customers in a separate database, then time pages, API, import, bulk update"
	@echo "make clean     remove caches, .run/ and the demo database (keeps .venv)"

# Re-install when pyproject.toml changes. `pip install -e .[dev]` works with `packages = []`;
# scripts/install_deps.py reads the same lists from pyproject.toml for a pip that cannot build it.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed: make $(MAKECMDGOALS) PYTHON=python3.12"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]' || $(PY) scripts/install_deps.py dev
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) crm_demo --customers $(DEMO_CUSTOMERS)

run: demo
	DJANGO_SETTINGS_MODULE=$(RUN_SETTINGS) $(PY) scripts/run_all.py

test: install
	$(PYTEST) $(PYTEST_ARGS)

# Without the browser journeys, for a quick loop while coding.
test-fast: install
	$(PYTEST) -m "not e2e" $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .

format: install
	$(PY) -m ruff check --fix .

messages: install
	$(MANAGE) translations_build

# PostgreSQL: DATABASE_URL=postgres://… make bench (database crm_bench; BENCH_DATABASE_URL names another).
# Generation runs once (a database that holds customers is kept: bench/generate.py --fresh rebuilds).
bench: install
	nice $(PY) bench/generate.py --customers $(BENCH_CUSTOMERS)
	$(PY) bench/run.py --runs $(BENCH_RUNS)

clean:
	rm -rf .run .pytest_cache .ruff_cache staticfiles bench/out *.egg-info
	rm -f db.sqlite3 celerybeat-schedule celerybeat.pid
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
