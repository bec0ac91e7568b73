# The two commands: `make run` (set up everything and serve the demo) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
FLASK = $(BIN)/flask --app marketplace
STAMP = $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install translations lint migrate seed clean-data messages

$(STAMP): setup.cfg pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet -e '.[dev,prod]'
	@touch $(STAMP)

install: $(STAMP)

translations: install
	$(BIN)/pybabel -q compile -f -d translations

migrate: install translations
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo --if-empty

# Mailed links (read them at /admin/outbox) point at the address served, unless
# MARKETPLACE_PUBLIC_BASE_URL says otherwise (e.g. HOST=0.0.0.0 with the machine's LAN address).
run: seed
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	MARKETPLACE_PUBLIC_BASE_URL="$${MARKETPLACE_PUBLIC_BASE_URL:-http://$(HOST):$(PORT)}" $(FLASK) run --host $(HOST) --port $(PORT)

# ruff (style, imports, complexity), then pylint's duplicate-code check only (settings in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/pylint marketplace messages search catalog orders payments aftersales reviews licences trace sourcing prices investment bench tests

# Two pytest-xdist workers (TEST_WORKERS=0: one process, no workers), each with its own database (tests/conftest.py);
# a test file stays on one worker, so a module's big fixture is built once. With TEST_DATABASE_URL the
# browser journeys and the API fuzzing run once, on PostgreSQL, and the tests marked engine_independent
# (static checks, refusals made before any query) once, on SQLite; without it everything runs on SQLite.
TEST_WORKERS ?= 2
PYTEST = $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --durations=20

test: install translations lint
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== tests on SQLite (the browser journeys run on PostgreSQL next)"; \
		TEST_DATABASE_URL= $(PYTEST) -m "not e2e" && \
		echo "== again on PostgreSQL ($$TEST_DATABASE_URL), with the browser journeys" && \
		$(PYTEST) -p no:cacheprovider -m "not engine_independent"; \
	else \
		echo "== tests on SQLite"; \
		$(PYTEST); \
	fi

# Extract strings and merge them into the catalogues (developers; then translate and commit).
messages: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o translations/messages.pot .
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

clean-data:
	rm -rf instance
