# Two commands on a fresh machine (see README):
#   make demo   sets up, builds the FICTIONAL demo archive and serves it in the browser
#   make test   sets up and runs lint, type checks and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

LOCK := requirements/dev.txt

.PHONY: demo test lint lock system-packages

# Every package comes from the lock, checked against its hash, with nothing resolved
# again: the lock is the whole closure, and pip's own resolver (23.x) would go looking
# for a newer release to satisfy an extra (weasel's smart-open[http]) and refuse it.
# pip check then proves the set consistent. The project is installed on top.
$(BIN)/bearwitness: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --no-deps --require-hashes -r $(LOCK)
	$(BIN)/pip check
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Re-resolve the lock after changing dependencies in pyproject.toml (needs PyPI).
# uv keeps the versions already in the lock unless pyproject.toml rules them out.
lock:
	test -x .lock-tools/bin/uv || { $(PYTHON) -m venv .lock-tools && .lock-tools/bin/pip install --quiet 'uv>=0.5,<1'; }
	.lock-tools/bin/uv pip compile pyproject.toml requirements/build.in --extra dev \
		--generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
		--custom-compile-command "make lock" -o $(LOCK)

demo: $(BIN)/bearwitness
	$(BIN)/bearwitness demo --serve

# Debian's `age` checks that evidence files open with the standard tool;
# Debian's `chromium` runs the web tests in a real browser (driven by pip's playwright).
# The tests that need these skip without them, and fail when CI=true (tests/conftest.py).
system-packages:
	@command -v age >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq age; }
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }
	@# Go's checksum-database libraries: an independent, standard tiles client for the log.
	@test -d /usr/share/gocode/src/golang.org/x/mod/sumdb || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq golang-go golang-golang-x-mod-dev; }
	@# Node.js and npm: node-forge is the independent ODK encryptor the field-intake tests check against.
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nodejs npm; }
	@# Java for pyspark (dev extra): the Spark backend's test runs in local mode.
	@command -v java >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq openjdk-17-jre-headless; }
	@# Reports: WeasyPrint lays out the PDF with Pango and fontconfig; DejaVu covers Cyrillic;
	@# pdftoppm (poppler-utils) renders its pages for the screenshots the tests keep.
	@dpkg -s libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-dejavu-core >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-dejavu-core; }
	@command -v pdftoppm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq poppler-utils; }

lint: $(BIN)/bearwitness
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/bandit -c pyproject.toml -r src -q

# The tests' npm packages, pinned with their integrity hashes in tests/node/package-lock.json.
tests/node/node_modules: tests/node/package.json tests/node/package-lock.json
	cd tests/node && npm ci --no-audit --no-fund --ignore-scripts
	touch $@

test: $(BIN)/bearwitness system-packages lint tests/node/node_modules
	$(BIN)/pytest -n auto --dist loadfile --durations=25
