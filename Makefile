# citygis — two commands on a fresh Debian 12 machine:
#   make run    install what is missing, start the project's PostGIS under var/, migrate,
#               load the city and serve http://127.0.0.1:8000
#   make test   the same set-up, then the whole test suite against real PostGIS
# DATABASE_URL=postgresql://… makes both use an existing PostGIS instead of var/.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml package.json 2>/dev/null | sha1sum | cut -c1-12)
# chromium + fonts-noto-cjk: the browser tests (Playwright drives Debian's Chromium, never a download)
DEBIAN_PACKAGES := postgresql-15 postgresql-15-postgis-3 postgresql-15-pgrouting gdal-bin \
	chromium fonts-noto-cjk
PYTEST_ARGS ?=

.PHONY: run test setup deps debian-packages venv node lint bench db-down clean

run: setup
	$(BIN)/citygis serve

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

setup: deps
	$(BIN)/citygis setup

deps: debian-packages venv node

node: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

debian-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then echo "run as root, or install:$$missing" >&2; exit 1; fi; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/pip install -q -e '.[test,bench]'
	rm -f $(VENV)/.installed-*
	touch $@

lint: venv
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python -m bench.run

db-down: venv
	$(BIN)/citygis db down

clean: db-down
	rm -rf var $(VENV)
