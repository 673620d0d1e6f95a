# The two commands a newcomer needs: `make run` and `make test`. Each works on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format i18n bench soak clean migration lock

# requirements.lock pins (with hashes) every package of the runtime and the dev extra, so a fresh
# machine installs exactly what CI tested; the project itself then goes in without resolving.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# After changing dependencies in pyproject.toml: re-pin, then `make .venv/.installed`.
# requirements-runtime.lock (the Docker image) is the runtime part of the same versions.
LOCK := $(BIN)/uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 --quiet
lock: $(STAMP)
	$(LOCK) --extra dev -o requirements.lock
	$(LOCK) -c requirements.lock -o requirements-runtime.lock

run: $(STAMP)
	$(BIN)/thidua run --demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot conversations scheduler tests bench
	$(BIN)/lint-imports
	$(BIN)/python .ci/check_lock.py

# The suite runs on 4 pytest-xdist workers. Its tests mostly wait (browser, HTTP, PostgreSQL,
# subprocesses): alone, pytest used a third of a CPU for 9.5 min on 2 cores. Measured on a
# shared 2-core machine (load 3 to 6): 2 workers 7 min, 3 to 8 workers 4.5 to 5 min, all
# green; 4 keeps both cores busy while tests wait without crowding the timing-checked ones.
# loadscope keeps a module's tests on one worker (its module fixtures are built once). Each
# worker has its own PostgreSQL database (pg_url) and tmp_path; `pytest tests/<file>` alone
# still runs in one process.
test: lint
	$(BIN)/python -m bot.i18n_tools check
	$(BIN)/pytest -q -n 4 --dist loadscope

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

i18n: $(STAMP)
	$(BIN)/python -m bot.i18n_tools update
	$(BIN)/python -m bot.i18n_tools check

bench: $(STAMP)
	$(BIN)/python -m bench

# The hostile-load and fault tests at the issue's full size (docs/RELIABILITY.md): 1,100
# half-sent connections against 1,024 files, 300 webhook updates then SIGKILL.
soak: $(STAMP)
	THIDUA_SOAK=1 $(BIN)/pytest -q -s -p no:cacheprovider tests/channels/test_web_hardening.py tests/channels/test_inbox.py -k "attack or sigkill or sigterm"

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# A database file of this checkout's own, so that two worktrees can regenerate at once.
MIGRATION_DB := $(CURDIR)/.migration.db

# Regenerate the single initial migration after a model change (nothing is deployed yet).
migration: $(STAMP)
	rm -f alembic/versions/0001_initial_schema.py $(MIGRATION_DB)
	THIDUA_DATABASE_URL=sqlite:///$(MIGRATION_DB) $(BIN)/alembic revision --autogenerate -m "initial schema" --rev-id 0001
	$(BIN)/ruff format alembic/versions >/dev/null
