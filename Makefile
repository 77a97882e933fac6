# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make run    virtual environment, install, initialise + seed the database, serve on :5000
#   make test   the whole suite (lint, unit, HTTP, tasks, browser)
#   make test-postgres   the workflow, staff, background and security tests on PostgreSQL + Redis
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
PORT ?= 5000
# Empty: seed-demo makes a random password per demo user and prints it once (set it to choose).
DEMO_PASSWORD ?=
DOMAINS := admin flask_security wtforms

.PHONY: run test test-postgres lint format translations translations-update clean

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
	$(FLASK) seed-demo $(if $(DEMO_PASSWORD),--password "$(DEMO_PASSWORD)")
	$(FLASK) seed-demo-surveys
	$(FLASK) serve --port $(PORT)

test: $(VENV)/.dev translations
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

# The same tests again on PostgreSQL and Redis (127.0.0.1; TEST_POSTGRES_URL, TEST_REDIS_URL):
# the workflow, concurrency, staff, background, operations and security tests (and the SQL kept
# per database: prepared SELECTs, a new ticket's writes, the step facts), each app on a
# database the session creates and drops, each test with a queue name of its own.
PG_TESTS = $(wildcard tests/test_workflow*.py tests/test_transition_table.py \
	tests/test_admin_*.py tests/test_tasks_*.py tests/test_operations.py tests/test_tracking.py \
	tests/test_public.py tests/test_compliance.py tests/test_prepared.py \
	tests/test_submission_writes.py tests/test_step_facts.py tests/test_dashboard_kept.py tests/security)

test-postgres: $(VENV)/.dev translations
	TEST_DATABASE=postgres TEST_REDIS=1 $(BIN)/pytest -m "not browser" $(PG_TESTS) $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
	find translations -name '*.mo' -delete
