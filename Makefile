# The two commands a newcomer needs: `make run` and `make test`. Each works on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format i18n bench clean migration

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/thidua run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot conversations scheduler
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m bot.i18n_tools check
	$(BIN)/pytest -q

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

i18n: $(STAMP)
	$(BIN)/python -m bot.i18n_tools update
	$(BIN)/python -m bot.i18n_tools check

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# Regenerate the single initial migration after a model change (nothing is deployed yet).
migration: $(STAMP)
	rm -f alembic/versions/0001_initial_schema.py /tmp/thidua-migration.db
	THIDUA_DATABASE_URL=sqlite:////tmp/thidua-migration.db $(BIN)/alembic revision --autogenerate -m "initial schema" --rev-id 0001
	$(BIN)/ruff format alembic/versions >/dev/null
