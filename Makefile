# Sauvons Noël: two commands on a fresh Debian 12 machine.
#   make run    set everything up, load the data, serve http://127.0.0.1:8000/
#   make test   set everything up, run the whole test suite against real PostGIS
# Both are idempotent; a second run reuses the venv, the cluster and the data.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The interpreter of the venv: Debian's python3.11 (system-deps installs it), built with
# profile-guided and link-time optimisation and linked statically to libpython; a
# self-built one (pyenv's default: neither) cost the workers 13 % more CPU per request
# (docs/benchmarks.md, 2026-11-30). PYTHON=... picks another; an existing venv is kept
# (rm -rf .venv to rebuild it on another interpreter).
PYTHON ?= $(shell test -x /usr/bin/python3.11 && echo /usr/bin/python3.11 || echo python3.11)
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .make
HOST ?= 127.0.0.1
PORT ?= 8000
BACKUP ?= backups/sauvons_noel.dump
export GEO_DATA_DIR ?= $(abspath ../shared/data)

.PHONY: help run setup system-deps venv static db data test bench loadtest audit lint stop clean backup restore

help:
	@echo "make run    set up everything and serve http://$(HOST):$(PORT)/ with data loaded"
	@echo "make test   set up everything and run the whole test suite"
	@echo "make bench  benchmarks (API and import against raw SQL, same run)"
	@echo "make loadtest  the residents' traffic mix against gunicorn on 1M listings (~2 min)"
	@echo "make audit  Lighthouse (mobile) on the home, shop, commune and checkout pages"
	@echo "make stop   stop the web server and the local PostgreSQL cluster"
	@echo "make backup / make restore   pg_dump / pg_restore of the database (BACKUP=$(BACKUP))"
	@echo "make lint   ruff"

system-deps:
	@bash scripts/system-deps.sh

$(STAMPS):
	@mkdir -p $(STAMPS)

# The venv is rebuilt only when pyproject.toml changes.
$(STAMPS)/venv: pyproject.toml | $(STAMPS)
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

# The install's random SECRET_KEY (settings.py reads it when SECRET_KEY is unset): created
# once, never in version control, readable by its owner only.
.secret_key:
	@umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(64))' > $@.tmp
	@mv $@.tmp $@

venv: system-deps $(STAMPS)/venv .secret_key

# Leaflet from the npm registry, then Django's collectstatic (served by WhiteNoise).
STATIC_SOURCES := $(shell find maps/static geo_directory -path '*/static/*' -type f 2>/dev/null)
$(STAMPS)/static: maps/package.json maps/package-lock.json $(STAMPS)/venv $(STATIC_SOURCES)
	cd maps && npm ci --silent --no-audit --no-fund && cp node_modules/ol/ol.css node_modules/ol/dist/ol.css
	$(PY) manage.py collectstatic --noinput -v 0
	@touch $@

static: venv $(STAMPS)/static

# The local cluster and its database (tests create their own throwaway database in it).
db: system-deps
	@bash scripts/pgcluster.sh start

# Migrations, then territory, categories and the real demo listings (skipped when loaded).
data: venv db
	$(PY) manage.py seed_demo

setup: venv static data

run: setup
	@echo "Sauvons Noël on http://$(HOST):$(PORT)/ (admin: /admin/, API: /api/v1/docs/)"
	HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/gunicorn geo_directory.wsgi:application \
		--config gunicorn.conf.py --pid $(STAMPS)/gunicorn.pid

test: venv static db
	$(PY) -m pytest $(PYTEST_ARGS)

bench: venv static db
	$(PY) -m bench $(BENCH_ARGS)

# Load test on 127.0.0.1 (bench/loadtest.py); LOADTEST_ARGS=--rows 100000 for a smaller N.
loadtest: venv static db
	$(PY) -m bench loadtest $(LOADTEST_ARGS)

# Lighthouse (mobile) on the residents' pages with the Debian Chromium (bench/audit.py).
audit: venv static db
	cd bench/audit && npm ci --silent --no-audit --no-fund
	$(PY) -m bench audit

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

backup: db
	@bash scripts/backup.sh dump $(BACKUP)

restore: db
	@bash scripts/backup.sh restore $(BACKUP)

stop:
	@if [ -s $(STAMPS)/gunicorn.pid ]; then kill $$(cat $(STAMPS)/gunicorn.pid) 2>/dev/null || true; rm -f $(STAMPS)/gunicorn.pid; fi
	@bash scripts/pgcluster.sh stop

# .pg may be a link to the cluster's folder in postgres's home (scripts/pgcluster.sh).
clean: stop
	rm -rf $(VENV) $(STAMPS) "$$(readlink -f .pg)" .pg staticfiles maps/node_modules test-artifacts
