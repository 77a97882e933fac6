# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make run    virtual environment, install, initialise + seed the database, serve on :5000
#   make test   the whole suite (lint, unit, HTTP, tasks, browser)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
PORT ?= 5000
# Empty: seed-demo makes a random password per demo user and prints it once (set it to choose).
DEMO_PASSWORD ?=
DOMAINS := admin flask_security wtforms

.PHONY: run test lint format translations clean

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

run: $(VENV)/.runtime translations
	$(FLASK) init-db
	$(FLASK) seed-demo $(if $(DEMO_PASSWORD),--password "$(DEMO_PASSWORD)")
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
