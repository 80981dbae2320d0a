# Two commands on a fresh machine (see README):
#   make demo   sets up, builds the FICTIONAL demo archive and serves it in the browser
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
	$(BIN)/bearwitness demo --serve

# Debian's `age` checks that evidence files open with the standard tool;
# Debian's `chromium` runs the web tests in a real browser (driven by pip's playwright).
system-packages:
	@command -v age >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq age; }
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }
	@# Go's checksum-database libraries: an independent, standard tiles client for the log.
	@test -d /usr/share/gocode/src/golang.org/x/mod/sumdb || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq golang-go golang-golang-x-mod-dev; }

lint: $(BIN)/bearwitness
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(BIN)/bearwitness system-packages lint
	$(BIN)/pytest
