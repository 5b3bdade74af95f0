# The README's commands. `make run` and `make test` work on a fresh machine with Python >= 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
PO := $(wildcard ocop_market/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: run test test-fast test-e2e e2e-deps pdf-deps serve bench lint typecheck dbcheck lock translations extract setup db clean

# The .venv holds exactly requirements-dev.lock (the whole tree, pinned with hashes; pip itself included), so it
# is re-made whenever the lock changes: pip installs what is new or moved, pip-sync removes what the lock
# dropped. requirements.txt / requirements-dev.txt are what people edit; `make lock` turns them into the locks.
$(BIN)/.installed: requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# The lock's own pip first: the pip a new venv comes with (23.2 on Python 3.11) takes an extra's requirement
	@# ("fonttools[woff]" of weasyprint) as unpinned in hash mode as soon as a newer release exists on the index.
	$(BIN)/python -m pip install --quiet "pip==$$(sed -n 's/^pip==\([0-9.]*\).*/\1/p' requirements-dev.lock)"
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip-sync --quiet --python-executable $(BIN)/python requirements-dev.lock
	touch $@

# After changing a pin in requirements.txt or requirements-dev.txt: pin and hash the whole tree again (pip-compile
# from pip-tools, through this machine's pip configuration). Existing pins stay unless asked:
# LOCK_ARGS="--upgrade-package NAME" moves one transitive dependency, LOCK_ARGS=--upgrade all of them.
# Index and find-links options are left out of the files: each machine's pip configuration supplies its own.
LOCK_ARGS ?=
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)
lock: $(BIN)/.installed
	$(PIP_COMPILE) --output-file requirements.lock requirements.txt
	$(PIP_COMPILE) --output-file requirements-dev.lock requirements-dev.txt

%.mo: %.po $(BIN)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

translations: $(MO)

# Refresh the catalogs after adding or changing UI strings: extract every msgid (Python, label tables,
# templates) into messages.pot, then merge it into each language's messages.po. Translate the new or
# fuzzy entries in ocop_market/translations/en/LC_MESSAGES/messages.po; tests/functional/test_i18n.py
# fails while any msgid lacks a translation.
POT := ocop_market/translations/messages.pot
extract: $(BIN)/.installed
	PYTHONPATH=. $(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --add-location=file --sort-by-file \
		--project "OCOP Market" -o $(POT) .
	$(BIN)/pybabel update -i $(POT) -d ocop_market/translations --previous --init-missing -l en

# The PDFs (ocop_market/pdf.py: WeasyPrint) need Pango and HarfBuzz's subsetter from the system; Debian's packages,
# installed with apt when the shared libraries are missing (the fonts themselves ship in static/fonts).
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
pdf-deps:
	@if ! { ldconfig -p | grep -q libpangoft2-1.0.so && ldconfig -p | grep -q libharfbuzz-subset.so; }; then \
	  { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y $(PDF_LIBS); }; fi

setup: $(BIN)/.installed translations pdf-deps

db: setup
	$(FLASK) db upgrade
	$(FLASK) seed demo

run: db
	$(FLASK) search reindex
	@echo ""
	@echo "  OCOP Market chạy tại http://$(HOST):$(PORT)"
	@$(FLASK) seed logins
	@echo ""
	@$(FLASK) jobs list
	@echo ""
	PATH="$(abspath $(BIN)):$$PATH" OCOP_HOST=$(HOST) $(BIN)/honcho start -f Procfile -p $(PORT)

test: setup
	$(BIN)/python -m pytest -q tests --ignore=tests/e2e

# While developing: everything but the tests marked `slow` (hypothesis fuzzing of every form, the allocation
# and order properties). `make test`, which CI runs, includes them.
test-fast: setup
	$(BIN)/python -m pytest -q tests --ignore=tests/e2e -m "not slow"

# Browser journeys (tests/e2e, issue 7): Playwright for Python drives Debian's Chromium, found on PATH (never
# a browser download: do not run `playwright install`), headless, against gunicorn on a loopback port with a
# fresh database. Screenshots of every step: test-artifacts/e2e/<journey>/NN-step.png. With TEST_DATABASE_URL
# set the journeys run on that PostgreSQL database, which is emptied first.
# The accessibility check (issue 14) injects axe-core into each page: tests/e2e/package.json pins it and its
# package-lock.json holds its hash; `npm ci` installs exactly that into tests/e2e/node_modules (no install scripts).
# npm comes with Debian's nodejs/npm packages when the machine has none.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
AXE := tests/e2e/node_modules/axe-core/axe.min.js
e2e-deps: $(AXE)
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium; }

$(AXE): tests/e2e/package.json tests/e2e/package-lock.json
	@command -v npm >/dev/null 2>&1 || { $(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y npm; }
	npm ci --prefix tests/e2e --ignore-scripts --no-audit --no-fund
	touch $@

test-e2e: setup e2e-deps
	$(BIN)/python -m pytest -q tests/e2e

lint: setup
	$(BIN)/ruff check ocop_market tests bench migrations/env.py

# mypy over the whole ocop_market package (settings and the few third-party modules without types:
# pyproject.toml [tool.mypy]). Run it before landing: CI fails on any error.
typecheck: setup
	$(BIN)/mypy

# `flask db check` on freshly upgraded databases: a new SQLite file, then, with TEST_DATABASE_URL set, the
# PostgreSQL database of that name plus "_dbcheck" (dropped and created anew: the test database itself is
# never touched). The models must match what the migrations build; a model change needs its revision.
# tests/functional/test_migrations.py (in make test) makes the same comparison and also checks CHECK constraints.
DBCHECK_PG_URL ?= $(if $(TEST_DATABASE_URL),$(TEST_DATABASE_URL)_dbcheck,)
dbcheck: setup
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	check() { echo "flask db check on a freshly upgraded $$2"; \
	  DATABASE_URL="$$1" $(FLASK) db upgrade 2>"$$tmp/upgrade.log" || { cat "$$tmp/upgrade.log"; return 1; }; \
	  DATABASE_URL="$$1" $(FLASK) db check; }; \
	check "sqlite:///$$tmp/dbcheck.sqlite3" "SQLite database"; \
	if [ -n "$(DBCHECK_PG_URL)" ]; then \
	  $(BIN)/python migrations/recreate_database.py "$(DBCHECK_PG_URL)"; \
	  check "$(DBCHECK_PG_URL)" "PostgreSQL database"; \
	else echo "flask db check on PostgreSQL skipped: set TEST_DATABASE_URL (or DBCHECK_PG_URL)"; fi

clean:
	rm -rf $(VENV) .pytest_cache

# Search benchmark (issues 3, 16): the project on tantivy and Whoosh beside raw tantivy and SQLite FTS5 on
# 20,000 synthetic products (add postgres with --engines ...,postgres --pg-url URL).
# Prints a markdown report; see bench/README.md for the 100,000 run and bench/RESULTS.md for recorded figures.
bench: setup
	$(BIN)/python bench/search_bench.py --n 20000

# Production-style serving with gunicorn (gunicorn.conf.py: workers from CPU count, access log on stdout,
# bind GUNICORN_BIND, default 127.0.0.1:8000). Migrates first, builds the search index if there is none,
# then serves. With SECRET_KEY set it runs the production configuration (secure cookies, HSTS) unless
# OCOP_ENV says otherwise; without it, the development configuration (a warning says so), because
# production refuses to start without a real key. Behind HTTPS set SECRET_KEY; see README "Deployment".
# It starts gunicorn and one queue consumer (Procfile.production); on several machines run them as services.
serve: setup
	@if [ -n "$$SECRET_KEY" ]; then export OCOP_ENV="$${OCOP_ENV:-production}"; \
	else export OCOP_ENV="$${OCOP_ENV:-development}"; \
	  echo "SECRET_KEY is not set: serving the development configuration (set SECRET_KEY for production)" >&2; fi; \
	echo "OCOP_ENV=$$OCOP_ENV" >&2; \
	$(FLASK) db upgrade && \
	{ $(BIN)/python -c "import sys; from wsgi import app; from ocop_market.search import get_search; \
sys.exit(0 if get_search(app).index_exists() else 1)" || $(FLASK) search reindex; } && \
	PATH="$(abspath $(BIN)):$$PATH" exec $(BIN)/honcho start -f Procfile.production

# Load test (issue 7): locust (bench/requirements.txt, in a venv of its own, bench/.venv) against gunicorn on
# 127.0.0.1 with 10,000 seeded products: bare Flask ceiling, SQLite, PostgreSQL (schema of LOAD_PG_URL is
# dropped), bare again. Figures in bench/RESULTS.md ("Load"). E.g. make bench-load LOAD_ARGS="--duration 10".
LOAD_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test_load
LOAD_ARGS ?=
.PHONY: bench-load
bench/.venv/.installed: bench/requirements.txt
	test -x bench/.venv/bin/python || $(PYTHON) -m venv bench/.venv
	bench/.venv/bin/python -m pip install --quiet -r bench/requirements.txt
	touch $@

bench-load: setup bench/.venv/.installed
	LOAD_PG_URL=$(LOAD_PG_URL) $(BIN)/python bench/load.py --users 16 --duration 60 $(LOAD_ARGS)
