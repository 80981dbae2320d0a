# Two commands on a fresh machine (see README):
#   make demo   sets up and builds the FICTIONAL demo archive
#   make test   sets up and runs lint, type checks and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint system-packages

$(BIN)/bearwitness: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/bearwitness
	$(BIN)/bearwitness demo

# Debian's `age` checks that evidence files open with the standard tool.
system-packages:
	@command -v age >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq age; }

lint: $(BIN)/bearwitness
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy

test: $(BIN)/bearwitness system-packages lint
	$(BIN)/pytest
