# authward: `make serve` starts the server on SQLite; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/uv
endif
JS_DIR := tests/e2e/js
CHROMIUM ?= $(or $(AUTHWARD_TEST_CHROMIUM),/usr/bin/chromium)

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
	.venv/bin/pytest

test-fast: dev ## unit + integration only
	.venv/bin/pytest tests/unit tests/integration

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
