# ccehub — the two set-up commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
# Two workers (pytest-xdist): the serial suite took 18 of the 20 minutes CI allows on two cores.
PYTEST_ARGS ?= -n 2

.PHONY: run test lint typecheck format bench bench-quick clean-venv chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev,spark]"
	touch $@ $(STAMP_RUN)

## run: migrate the embedded SQLite database (or DATABASE_URL), load the demo and serve on :8000
run: $(STAMP_RUN)
	$(BIN)/ccehub demo

## test: run the whole suite (DATABASE_URL when set, SQLite otherwise)
test: $(STAMP_DEV) chromium
	$(BIN)/pytest $(PYTEST_ARGS)

# Browser tests drive Debian's Chromium; install it when missing and we are allowed to.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian chromium for the browser tests…"; \
	    (apt-get install -y -qq chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)); \
	  else \
	    echo "Browser tests need /usr/bin/chromium: sudo apt-get install chromium" >&2; exit 1; \
	  fi; \
	fi

lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP_DEV)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP_DEV)
	$(BIN)/mypy

bench: $(STAMP_DEV)
	$(BIN)/python -m bench.run

bench-quick: $(STAMP_DEV)
	$(BIN)/python -m bench.run --quick

clean-venv:
	rm -rf $(VENV)
