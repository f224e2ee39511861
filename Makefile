# Two commands matter: `make demo` and `make test`. Both build .venv from PyPI first, with
# exactly the versions requirements/dev-lock.txt locks (hashes checked); `make lock` moves the
# locks to the newest versions pyproject.toml allows (README: Development, "The lock").
# While developing, `make check` is the quick loop: the same lint, then only the tests not
# marked slow (end-to-end runs, fake-Google-server runs, benchmarks, long property tests).
# `make test`, which CI runs, runs every test, slow ones included.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo-workspace
AUTH ?= service_account

LOCK := requirements/dev-lock.txt

.PHONY: demo demo-google test check lint install lock clean

# The lock installs pip and setuptools too, so tutorsync itself is then built with the locked
# setuptools, without fetching another (--no-build-isolation), and adds nothing (--no-deps).
$(BIN)/tutorsync: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
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

# The locks, from pyproject.toml and requirements/build.in, with the hashes of every file of
# each version (all platforms, every Python from 3.11 on). `make lock` takes the newest
# versions allowed; `make lock UPGRADE=` only adds what a changed pyproject.toml needs and
# keeps every other pin; `make lock UPGRADE="--upgrade-package pandas"` moves one package.
# requirements/lock.txt, the application's alone, takes the versions of dev-lock.txt.
# uv compiles them, from a virtualenv of its own under build/; installing needs only pip.
UV_VERSION := 0.13.10
LOCK_TOOLS := build/lock-tools
UPGRADE ?= --upgrade
LOCK_OPTIONS = --universal --generate-hashes --custom-compile-command "make lock" --quiet

$(LOCK_TOOLS)/bin/uv:
	$(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/python -m pip install --quiet uv==$(UV_VERSION)

lock: $(LOCK_TOOLS)/bin/uv
	$(LOCK_TOOLS)/bin/uv pip compile pyproject.toml requirements/build.in --extra dev \
		$(LOCK_OPTIONS) $(UPGRADE) -o requirements/dev-lock.txt
	$(LOCK_TOOLS)/bin/uv pip compile pyproject.toml requirements/build.in \
		$(LOCK_OPTIONS) -c requirements/dev-lock.txt -o requirements/lock.txt

clean:
	rm -rf $(VENV) $(DEMO_DIR) $(DEMO_DIR)-google .pytest_cache .mypy_cache .ruff_cache \
		$(LOCK_TOOLS)
