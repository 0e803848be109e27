# Fairfield. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FAIRFIELD_HTTP_PORT ?= 8000
RUN_URL ?= http://127.0.0.1:$(FAIRFIELD_HTTP_PORT)
TLS_DIR ?= var/tls

.DEFAULT_GOAL := help
.PHONY: help install lock run run-tls test test-fast lint format typecheck check bench translations clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

# The versions (and their hashes) come from requirements.lock, then Fairfield itself, editable.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP) ## Create the virtualenv and install Fairfield with its dev tools, from requirements.lock

# Linux wheels (the image, CI), every artifact's hash; pins already in the files are kept
# unless pyproject.toml no longer allows them. The runtime lock is the full one's subset.
LOCK_FLAGS := --python-version 3.11 --python-platform x86_64-unknown-linux-gnu --generate-hashes \
	--custom-compile-command "make lock" --quiet
lock: $(STAMP) ## Resolve requirements.lock (everything) and requirements-runtime.lock (the image) after editing pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra dev $(LOCK_FLAGS) -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra reports $(LOCK_FLAGS) -c requirements.lock \
		-o requirements-runtime.lock

run: $(STAMP) ## Start API, Celery worker and beat on embedded defaults with demo data (Ctrl-C stops)
	$(BIN)/fairfield db upgrade
	$(BIN)/fairfield seed-demo
	@echo ""
	@echo "  Console    $(RUN_URL)/"
	@echo "  Worker app $(RUN_URL)/app/"
	@echo "  API docs   $(RUN_URL)/docs"
	@echo "  OpenAPI    $(RUN_URL)/openapi.json"
	@echo "  Health     $(RUN_URL)/healthz  /readyz  /metrics"
	@echo ""
	PATH="$(abspath $(BIN)):$$PATH" exec $(BIN)/honcho -f Procfile start

run-tls: $(STAMP) ## As `make run`, over HTTPS on the local network, for a phone (ADDRESS=this machine's LAN IP)
	@address=$$(FAIRFIELD_TLS_DIR=$(TLS_DIR) scripts/dev-tls $(ADDRESS)) && \
	echo "  Install $(TLS_DIR)/ca.pem on the phone once (README: the worker app on a phone)." && \
	$(MAKE) run RUN_URL=https://$$address:$(FAIRFIELD_HTTP_PORT) FAIRFIELD_HTTP_HOST=0.0.0.0 \
		FAIRFIELD_TLS_CERT=$(TLS_DIR)/server.pem FAIRFIELD_TLS_KEY=$(TLS_DIR)/server.key \
		FAIRFIELD_PUBLIC_URL=https://$$address:$(FAIRFIELD_HTTP_PORT)

# The suite waits on workers, servers and browsers more than it computes: two processes
# (pytest-xdist, each with its own PostgreSQL and Redis) keep two cores busy.
TEST_PROCESSES ?= 2

# The tests that touch photos run once more with photos in a bucket (the test S3 server), on
# PostgreSQL only: uploads, submissions and their photo links, validation, review, erasure and
# retention, the stores themselves, results with photos, readiness (README, "Photos in object
# storage").
PHOTO_TESTS := tests/uploads tests/submissions tests/validation tests/review tests/privacy \
	tests/storage tests/campaigns/test_results.py tests/ops/test_ops.py

test: $(STAMP) ## Run the whole suite (installs Redis, PostgreSQL/PostGIS, PgBouncer and Chromium as root on Debian)
	scripts/ensure-services
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist worksteal --durations=30
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist worksteal --durations=10 --photo-store=s3 $(PHOTO_TESTS)

test-fast: $(STAMP) ## Run the suite without the worker/stack integration tests
	$(BIN)/pytest -m "not integration"

lint: $(STAMP) ## ruff check, format check, and the import contracts (.importlinter)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP) ## ruff format and autofix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP) ## mypy
	$(BIN)/mypy

check: lint typecheck test ## Everything CI checks

bench: $(STAMP) ## Run the benchmarks; JSON to stdout and bench/results/latest.json
	scripts/ensure-services
	$(BIN)/python -m bench

TRANSLATIONS := backend/translations
LANGUAGES := fr nl
translations: $(STAMP) ## Extract the marked messages, update the fr and nl catalogues, compile them
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k N_ --no-location --sort-output --width=100 \
		--project=Fairfield --version=1 --copyright-holder=Fairfield --msgid-bugs-address= \
		-o $(TRANSLATIONS)/messages.pot backend
	for lang in $(LANGUAGES); do test -f $(TRANSLATIONS)/$$lang/LC_MESSAGES/messages.po || \
		$(BIN)/pybabel init -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$lang; done
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --width=100 \
		--ignore-obsolete
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics

clean: ## Remove the virtualenv and local data (var/)
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
