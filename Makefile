# Two commands matter: `make demo` and `make test`. Both build .venv from PyPI first.
# While developing, `make check` is the quick loop: the same lint, then only the tests not
# marked slow (end-to-end runs, fake-Google-server runs, benchmarks, long property tests).
# `make test`, which CI runs, runs every test, slow ones included.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo-workspace
AUTH ?= service_account

.PHONY: demo demo-google test check lint install clean

$(BIN)/tutorsync: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/tutorsync

demo: install
	$(BIN)/tutorsync demo $(DEMO_DIR)
	$(BIN)/tutorsync run --config $(DEMO_DIR)/tutorsync.toml

# The demo on the tests' fake Google, offline, signed in as AUTH says (service_account,
# delegated, adc or oauth): a new folder each time, removed by `make clean`.
demo-google: install
	rm -rf $(DEMO_DIR)-google
	PYTHONPATH=tests $(BIN)/python -m fake_google.demo --auth $(AUTH) $(DEMO_DIR)-google

lint: install
	$(BIN)/ruff check jobs sheets_schema tests bench
	$(BIN)/ruff format --check jobs sheets_schema tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

check: lint
	$(BIN)/pytest -q -m "not slow"

clean:
	rm -rf $(VENV) $(DEMO_DIR) $(DEMO_DIR)-google .pytest_cache .mypy_cache .ruff_cache
