# coldcheck — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
HOST   ?= $(or $(COLDCHECK_HOST),127.0.0.1)
PORT   ?= $(or $(COLDCHECK_PORT),8000)
export COLDCHECK_DATA ?= coldcheck-data

.PHONY: install install-dev run test lint bench system-deps clean vendor-js

# The app's own dependencies (requirements.lock) for `make run`; the test tools, linters,
# type checker and browser driver (requirements-dev.lock) only for test, lint and bench.
# Both locks are hash-pinned and made by `uv pip compile` (see the header of each).
$(VENV)/.installed: pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(BIN)/python -m pip install -q uv
	$(UV) pip install -q --python $(BIN)/python --require-hashes -r requirements.lock
	$(UV) pip install -q --python $(BIN)/python --no-deps -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(UV) pip install -q --python $(BIN)/python --require-hashes -r requirements.lock -r requirements-dev.lock
	@touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/coldcheck init
	$(BIN)/coldcheck demo --if-empty
	$(BIN)/coldcheck serve --host $(HOST) --port $(PORT)

# Chromium (browser tests) and poppler-utils (PDF text checks) come from Debian.
system-deps:
	@scripts/system-deps.sh

test: install-dev system-deps
	@scripts/test.sh

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy --strict src

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# The QR decoder the scanning screens use where the browser has no BarcodeDetector, from the
# npm registry: `npm ci` installs exactly what vendor/package-lock.json pins (version and
# integrity), and the built file is copied into the app's static folder and committed, with
# its SHA-256 recorded (tests/unit/build/test_vendor.py checks both). `make run` needs no npm.
VENDOR_STATIC := src/coldcheck/entrypoints/pages/static/vendor
vendor-js:
	cd vendor && npm ci --ignore-scripts --no-audit --no-fund
	mkdir -p $(VENDOR_STATIC)
	cp vendor/node_modules/jsqr/dist/jsQR.js $(VENDOR_STATIC)/jsQR.js
	cp vendor/node_modules/jsqr/LICENSE $(VENDOR_STATIC)/jsQR.LICENSE
	cd $(VENDOR_STATIC) && printf '%s  jsQR.js  jsqr@%s %s\n' \
	  "$$(sha256sum jsQR.js | cut -d' ' -f1)" \
	  "$$(node -p "require('../../../../../../vendor/package-lock.json').packages['node_modules/jsqr'].version")" \
	  "$$(node -p "require('../../../../../../vendor/package-lock.json').packages['node_modules/jsqr'].integrity")" \
	  > SHA256SUMS
