# Two commands matter: `make run` and `make test`. Both install what they need first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run test test-unit test-integration test-api lint bench bench-e2e lock

$(STAMP):
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Qunsheng needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install
	QS_DEMO_ON_FIRST_START=$${QS_DEMO_ON_FIRST_START:-1} $(BIN)/qunsheng serve

test: install
	$(BIN)/pytest

test-unit: install
	$(BIN)/pytest -m unit

test-integration: install
	$(BIN)/pytest -m integration

test-api: install
	$(BIN)/pytest -m api

lint: install
	$(BIN)/ruff check events projections services tests bench
	$(BIN)/mypy

# The store (bench/RESULTS.md), the cases slice, the surveys slice: each figure beside its ceiling.
bench: install
	$(BIN)/python -m pip install -q --disable-pip-version-check -r bench/requirements.txt
	$(BIN)/python -m bench
	$(BIN)/python -m bench.cases
	$(BIN)/python -m bench.surveys

# The whole service end to end (about 10 minutes at 10,000,000 events): bench/RESULTS-e2e.md.
bench-e2e: install
	$(BIN)/python -m bench.e2e

# Re-pin after changing dependencies in pyproject.toml.
lock:
	rm -rf /tmp/qs-lock && $(PY) -m venv /tmp/qs-lock
	/tmp/qs-lock/bin/pip install -q -e '.[dev]'
	/tmp/qs-lock/bin/pip freeze --exclude-editable | grep -v '^qunsheng' > requirements.lock
