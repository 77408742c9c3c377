# authward: `make serve` starts the server on SQLite; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/uv
endif
JS_DIR := tests/e2e/js
CHROMIUM ?= $(or $(AUTHWARD_TEST_CHROMIUM),/usr/bin/chromium)
# The suite runs its files in parallel processes (pytest-xdist), four to six: most e2e time is spent
# waiting on servers, browsers and node, so even two cores keep four workers busy; more than six would
# crowd PostgreSQL's 100 connections. Tests marked `serial` (timing comparisons, wall-clock bounds) run
# afterwards, alone.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -lt 4 ] && n=4; [ $$n -gt 6 ] && n=6; echo $$n)
PARALLEL := -n $(TEST_WORKERS) --dist loadfile

.PHONY: install dev serve test test-fast test-long bench bench-scale lint clean

$(UV):
	$(PYTHON) -m pip install --quiet uv

# Two installs, each with its own stamp: serving needs the server extra only; testing needs everything.
# `serve` syncs inexactly (it never removes the dev tools a `make test` installed), and its stamp does not
# stand for the dev install, so `make test` after `make serve` still installs pytest, ruff, mypy...
.venv/.installed-server: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --inexact --extra server --no-dev --compile-bytecode
	touch $@

.venv/.installed-dev: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-extras --compile-bytecode
	touch $@ .venv/.installed-server

install: .venv/.installed-server ## .venv/bin/authward ready (server, no dev tools)

dev: .venv/.installed-dev ## everything: server, keyring, pytest, ruff, mypy, schemathesis, playwright

serve: install ## migrate and start on 127.0.0.1:4000 with ./authward.db
	.venv/bin/authward serve

$(JS_DIR)/node_modules/.installed: $(JS_DIR)/package.json $(JS_DIR)/package-lock.json
	npm ci --prefix $(JS_DIR) --no-audit --no-fund --loglevel=error
	touch $@

test: dev $(JS_DIR)/node_modules/.installed ## the whole suite
	@test -x $(CHROMIUM) || echo "note: no Chromium at $(CHROMIUM): the browser tests skip (fail with CI=true); \
	install it with 'apt-get install chromium' (.ci/run does)"
	.venv/bin/pytest $(PARALLEL) -m "not serial"
	.venv/bin/pytest -m serial

test-fast: dev ## unit + integration only
	.venv/bin/pytest $(PARALLEL) -m "not serial" tests/unit tests/integration
	.venv/bin/pytest -m serial tests/unit tests/integration

test-long: dev ## the longer attack variants (1000 timing pairs per route...), marked `long`
	AUTHWARD_TEST_LONG=1 .venv/bin/pytest -m long tests/integration

bench: dev ## the hot routes on SQLite and PostgreSQL, each beside its same-run limit (figures, not assertions)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	.venv/bin/python bench/run.py

bench-scale: dev ## the same with 1,000,000 users loaded in bulk (sign-in, refresh, GET /user)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	BENCH_USERS=1000000 BENCH_ROUTES=user,refresh,signin .venv/bin/python bench/run.py

lint: dev
	.venv/bin/ruff check src tests
	.venv/bin/mypy

clean:
	rm -rf .venv $(JS_DIR)/node_modules
