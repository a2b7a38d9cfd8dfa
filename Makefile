# OneThing — every task a new developer or CI needs. Only python3, pip, node and npm are assumed.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)
export LITESTAR_APP := app.main:create_app

.DEFAULT_GOAL := help
.PHONY: help install assets run worker migrate demo-data test fuzz contract check lint format bench load load-ci locales clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s "$$(printf '\t')"

$(VENV)/bin/uv:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: $(VENV)/bin/uv pyproject.toml uv.lock
	$(UV) sync --frozen --inexact --quiet
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

assets/vendor/.installed: node_modules/.installed scripts/vendor_assets.py | $(VENV)/bin/uv
	$(PY) scripts/vendor_assets.py
	@touch $@

CATALOGS := $(wildcard locales/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(VENV)/.synced
	$(VENV)/bin/pybabel compile -d locales -D messages -l $* --statistics

install: $(VENV)/.synced assets $(COMPILED) ## install Python and front-end dependencies, compile catalogs

assets: assets/vendor/.installed ## copy the pinned front-end files (package.json's `vendor`) into assets/vendor/

migrate: install ## apply database migrations
	$(PY) -m app migrate

demo-data: migrate ## load the demo data (idempotent)
	$(PY) -m app demo-data

run: demo-data ## install, migrate, load demo data and serve on http://127.0.0.1:8000
	$(PY) -m app serve

worker: install ## the arq worker as its own process (only with REDIS_URL)
	$(PY) -m app worker

# One pytest-xdist worker per core, each on its own databases (tests/conftest.py);
# PYTEST_WORKERS=0 runs the suite serially in one process. A worker that crashes fails the
# run at once (--max-worker-restart=0): with loadgroup, xdist replaced a crashed worker and
# then waited forever for the group it had held.
PYTEST_WORKERS ?= auto
PYTEST_DIST ?= loadgroup
test: install ## the whole test suite on every core (browser tests skip with a notice without Chromium)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist $(PYTEST_DIST) --max-worker-restart=0 $(PYTEST_ARGS)

FUZZ_EXAMPLES ?= 500
fuzz: install ## the long fuzz: Schemathesis, all phases, $(FUZZ_EXAMPLES) examples per operation; Hypothesis' long profile
	ONETHING_FUZZ_LONG=1 ONETHING_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) ONETHING_HYPOTHESIS_PROFILE=long \
	  $(PY) -m pytest -p no:cacheprovider tests/integration/miniprogram_api/test_fuzz_openapi.py \
	  tests/integration/applications/test_application_state_properties.py tests/unit/*/test_properties_*.py \
	  tests/unit/kernel/test_identity_numbers.py $(PYTEST_ARGS)

contract: install ## rewrite docs/mp-v1.openapi.json from the served document (commit it with the change)
	ONETHING_WRITE_CONTRACT=1 $(PY) -m pytest -q -p no:cacheprovider \
	  tests/integration/miniprogram_api/test_contract.py -k committed_one

lint: install ## ruff's checks, its format check and the import-linter layer contracts (changes nothing)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

check: lint ## lint, mypy --strict and the message catalogs
	$(VENV)/bin/mypy
	$(PY) scripts/check_catalogs.py

format: install ## apply ruff's formatting and fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install ## benchmarks beside their anchors (see bench/README.md)
	$(PY) -m bench

LOAD_DURATION ?= 15m
load: install ## the load run: a realistic mix on loopback for LOAD_DURATION (15m), then checks (docs/PERFORMANCE.md)
	LOAD_DURATION=$(LOAD_DURATION) $(PY) -m load

load-ci: install ## the load run's bounded form for CI (under 2 minutes): 60 s of the mix, 15 s of overload, the same checks
	LOAD_DURATION=60s LOAD_OVERLOAD_SECONDS=15 $(PY) -m load

locales: install ## re-extract messages and merge them into every catalog
	$(VENV)/bin/pybabel extract -F babel.cfg -k _ -k gettext -k N_ -k ngettext:1,2 \
	  --no-location --sort-output --omit-header -o locales/messages.pot .
	$(VENV)/bin/pybabel update -i locales/messages.pot -d locales -D messages \
	  --width 100 --ignore-obsolete --no-fuzzy-matching

clean: ## remove installed and generated files (keeps var/, the local data)
	rm -rf $(VENV) node_modules assets/vendor locales/*/LC_MESSAGES/*.mo .pytest_cache .mypy_cache .ruff_cache
