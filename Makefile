# Doorstroom: `make run` starts the service with the demo on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_DB ?= doorstroom-demo.db
PYTEST_ARGS ?=
# The suite runs in one process per core (pytest-xdist), each test file whole in one of them (its module fixtures once).
TEST_WORKERS ?= auto
BIN := $(VENV)/bin


.PHONY: install run test lint openapi bench bench-matching bench-load bench-offer bench-pages bench-imports assets messages screens clean

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

install: $(BIN)/.installed  ## install into .venv (pinned by constraints.txt)

run: install  ## a fresh demo database, its keys in demo-keys.json, then serve on http://$(HOST):$(PORT)
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	DOORSTROOM_DATABASE_URL=sqlite:///./$(DEMO_DB) $(BIN)/doorstroom demo --keys-file demo-keys.json \
		--sign-in-url http://$(HOST):$(PORT)/inloggen
	# Local development: the session cookie also works over plain http.
	DOORSTROOM_DEV_MODE=1 DOORSTROOM_DATABASE_URL=sqlite:///./$(DEMO_DB) $(BIN)/doorstroom serve --host $(HOST) --port $(PORT)

test: lint  ## lint, then the whole suite, on SQLite and PostgreSQL (127.0.0.1:5432 unless DOORSTROOM_TEST_POSTGRES_URL)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install  ## ruff, and mypy (--strict on matching/, the default checks on service/)
	$(BIN)/ruff check .
	$(BIN)/mypy

openapi: install  ## refresh the committed contract after changing the API
	$(BIN)/python -m service.openapi_export

bench: install  ## every benchmark with a target (matcher, offer, load; SQLite and PostgreSQL) in one table
	$(BIN)/python -m bench.table

bench-matching: install  ## the matcher alone at 2,000 dwellings x 20,000 registrations
	$(BIN)/python -m bench.matching --dwellings 2000 --registrations 20000

bench-load: install  ## ingest and reads under load beside the anchor apps (wrk; SQLite, see README for PostgreSQL)
	$(BIN)/python -m bench.load

bench-offer: install  ## one offer through the HTTP stack at 20,000 registrations on SQLite (see README for PostgreSQL)
	$(BIN)/python -m bench.service_offer --registrations 20000

assets:  ## refresh the vendored NL Design System CSS, htmx and axe-core from the npm registry (checks their SHA-256)
	$(BIN)/python tools/vendor_assets.py

messages: install  ## refresh the screens' message catalogues (service/web/locale) from the code and templates
	$(BIN)/python tools/messages.py

screens: install  ## refresh the README's screenshots from the browser tests (SQLite)
	$(BIN)/pytest tests/browser -k sqlite -q
	mkdir -p docs/screens
	cp tests/browser/screenshots/werkvoorraad.png tests/browser/screenshots/voordracht.png \
	   tests/browser/screenshots/aanmelden.png tests/browser/screenshots/corporatie-voordracht.png \
	   tests/browser/screenshots/monitor.png docs/screens/

bench-pages: install  ## the coordinator's pages through the HTTP stack at 20,000 registrations, 2,000 dwellings (SQLite)
	$(BIN)/python -m bench.web_pages --registrations 20000 --dwellings 2000

bench-imports: install  ## a 20,000-row waiting list: its dry run, then the real import (SQLite)
	$(BIN)/python -m bench.imports --rows 20000

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis $(DEMO_DB)* demo-keys.json test-results.xml
