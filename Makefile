# Accord developer tasks. `make help` lists them.
#
# The virtualenv is built from requirements.lock (every dependency pinned) and rebuilt
# whenever pyproject.toml or requirements.lock changes; a stamp file makes reruns quick.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.accord-installed
ENGINE := src/accord/engine

# `make test` adds the PostgreSQL run when ACCORD_TEST_POSTGRES=1.
ACCORD_TEST_POSTGRES ?=
ACCORD_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/accord
# Extra pytest arguments, e.g. make pytest PYTEST_ARGS="-k healthz -x"
PYTEST_ARGS ?=

.PHONY: help venv .venv test lint typecheck browsers pytest test-postgres fmt demo bench fleet chaos chaos-quick scale scale-quick lock \
	messages clean distclean

help:
	@echo "make demo           migrate the local database and run the demo (PORT=8000)"
	@echo "make test           lint + mypy --strict on the engine + pytest on SQLite"
	@echo "                    (ACCORD_TEST_POSTGRES=1: also the database tests on PostgreSQL)"
	@echo "make browsers       Chromium, Firefox ESR, puppeteer-core for the browser tests"
	@echo "make lint / fmt     ruff check and format check / apply ruff fixes and formatting"
	@echo "make bench          run the engine benchmarks (bench/run.py)"
	@echo "make chaos          the reliability suite (chaos/run.py; chaos-quick: smaller)"
	@echo "make scale          the scale-out run: 2 web hosts, 2 workers, 3 probe agents, kill -9 (scale-quick)"
	@echo "make fleet          the fleet scaling table (bench/fleet.py; FLEET_SIZES, long)"
	@echo "make lock           regenerate requirements.lock from pyproject.toml"
	@echo "make messages       collect the strings marked for translation and compile German"
	@echo "make venv           create or update .venv only"
	@echo "make clean          remove caches and build artefacts (distclean: also .venv, var/)"

# Python 3.11's bundled pip (23.2) refuses the hashed lock where a dependency asks for an extra
# (weasyprint's fonttools[woff]); pips from 23.3 on accept it, so the venv's pip is upgraded first.
$(STAMP): pyproject.toml requirements.lock scripts/install_system_deps.sh
	scripts/install_system_deps.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade 'pip>=24'
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

venv .venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# The engine is strict-typed, and so is the mail parser (pure, standard library only).
STRICT := $(ENGINE) src/accord/helpdesk/mailparse.py
typecheck: $(STAMP)
	$(BIN)/mypy --strict $(STRICT)

# The browser tests (marked `browser`, in tests/e2e) drive Debian's Chromium and Firefox ESR;
# this installs them, Node and puppeteer-core when missing (apt-get needs root); quick when not.
browsers:
	scripts/install_browsers.sh

# The whole suite on SQLite, whatever DATABASE_URL the caller's shell has.
pytest: $(STAMP) browsers
	env -u DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

# The database tests (marked django_db, see src/accord/pytest_plugin.py) on PostgreSQL.
# Fails when the server is unreachable, and when no test was selected (pytest exit 5).
test-postgres: $(STAMP) browsers
	DATABASE_URL=$(ACCORD_TEST_POSTGRES_URL) $(BIN)/python scripts/check_postgres.py
	@rc=0; DATABASE_URL=$(ACCORD_TEST_POSTGRES_URL) $(BIN)/pytest -m django_db $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then \
		echo "test-postgres: FAILED: pytest selected no database tests (exit 5)" >&2; \
	fi; \
	exit $$rc

test: lint typecheck pytest
ifeq ($(ACCORD_TEST_POSTGRES),1)
test: test-postgres
endif

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Local demo: a development key and the SQLite file in var/ unless the caller says otherwise.
# `make demo PORT=8101` serves on another port (links and the demo's checks follow it).
PORT ?= 8000
demo: export ACCORD_DEBUG ?= 1
demo: $(STAMP)
	$(BIN)/accord migrate --no-input
	$(BIN)/accord demo --address 127.0.0.1:$(PORT)

# The fleet scaling table (bench/fleet.py): each fleet path beside the per-customer one, at
# 100, 1,000 and 10,000 customers; about an hour here. Its short version is in `make test`
# (the fleet tests compare the batch paths with the per-customer ones on small fleets).
FLEET_SIZES ?= 100 1000 10000
fleet: $(STAMP)
	$(BIN)/python bench/fleet.py --sizes $(FLEET_SIZES)

# The reliability suite (chaos/run.py, docs/reliability.md): kill -9 under load, on SQLite and
# PostgreSQL; a few minutes a part. .ci/run runs `chaos-quick`, the same parts smaller.
chaos: $(STAMP)
	$(BIN)/python chaos/run.py

chaos-quick: $(STAMP)
	$(BIN)/python chaos/run.py --quick

# The scale-out run (chaos/scale.py, docs/scale-out.md): PostgreSQL, two web hosts behind nginx,
# two workers and three probe agents, each host in its own network namespace, one of each killed
# with -9 and brought back. About three minutes; .ci/run runs `scale-quick` (about 90 s).
scale: $(STAMP)
	scripts/install_scale_deps.sh
	$(BIN)/python chaos/scale.py

scale-quick: $(STAMP)
	scripts/install_scale_deps.sh
	$(BIN)/python chaos/scale.py --quick

bench: $(STAMP)
	@test -f bench/run.py || { echo "bench: bench/run.py does not exist yet" >&2; exit 1; }
	$(BIN)/python bench/run.py
	$(BIN)/python bench/prober.py
	$(BIN)/python bench/clocks.py
	$(BIN)/python bench/reports.py
	ACCORD_BENCH=1 $(BIN)/pytest -m bench -q -s -p no:cacheprovider tests/dashboard/test_timing.py

# Resolve with pip's own configuration (whatever index or mirror this machine uses: the lock
# names none), for Python 3.11, with hashes, in a throwaway venv so the project venv is not
# disturbed. Existing pins are kept; `rm requirements.lock` first to move them all.
LOCK_VENV := build/lock-venv
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet pip-tools==7.6.2
	$(LOCK_VENV)/bin/pip-compile --quiet --extra dev --generate-hashes --allow-unsafe \
		--strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock pyproject.toml

# The German catalogue: collect the marked strings, then compile (docs/translations.md).
messages: $(STAMP)
	cd src/accord && ACCORD_DEBUG=1 ../../$(BIN)/accord makemessages -l de --ignore "demo/*"
	msgfmt --check --statistics -o src/accord/locale/de/LC_MESSAGES/django.mo \
		src/accord/locale/de/LC_MESSAGES/django.po

clean:
	rm -rf build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) var
