# Casework: `make run` starts everything with demo data; `make test` runs ruff and the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SCALE ?= small
CASEWORK_PORT ?= 8000

.PHONY: install browser run test lint format bench stop-db clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

browser:
	@scripts/ensure-chromium

run: export CASEWORK_REQUIRE_2FA ?= false
run: export CASEWORK_PORT := $(CASEWORK_PORT)
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "Casework is starting at http://127.0.0.1:$(CASEWORK_PORT)/ (web, worker and scheduler). Ctrl-C stops all three."
	@echo "Demo mode: two-factor sign-in is OFF (CASEWORK_REQUIRE_2FA=$$CASEWORK_REQUIRE_2FA)."
	@echo ""
	$(VENV)/bin/honcho --no-prefix -f Procfile start 2>&1 || test $$? -eq 130

test: install browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) -m bench --scale $(SCALE)

stop-db: install
	$(PY) scripts/stop_embedded_db.py

clean: stop-db
	rm -rf var staticfiles test-artifacts
