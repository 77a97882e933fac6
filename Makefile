# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make run    virtual environment, install, initialise + seed the database, serve on :5000
#   make test   the whole suite (lint, unit, HTTP, tasks, browser)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
PORT ?= 5000
DEMO_PASSWORD ?= demo-servicedesk-2026
DOMAINS := admin flask_security wtforms

.PHONY: run test lint format translations translations-update clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

translations: $(VENV)/.runtime
	@for domain in $(DOMAINS); do \
		$(BIN)/pybabel compile --directory translations --domain $$domain 2>/dev/null || exit 1; \
	done
	@if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile --directory translations --domain messages 2>/dev/null; fi

# The app's own strings: extract (babel.cfg) and merge into every translations/*/messages.po.
translations-update: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg -k _l --no-location --sort-output \
		--ignore-dirs=".venv tests bench instance test-artifacts" -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -D messages \
		--width 100 --ignore-obsolete
	rm translations/messages.pot

run: $(VENV)/.runtime translations
	$(FLASK) init-db
	$(FLASK) seed-demo --password "$(DEMO_PASSWORD)"
	@echo "Demo: semua pengguna demo memakai kata sandi '$(DEMO_PASSWORD)'."
	$(FLASK) serve --port $(PORT)

test: $(VENV)/.dev translations
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
	find translations -name '*.mo' -delete
