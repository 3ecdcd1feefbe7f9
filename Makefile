# The two commands of a fresh machine: `make run` and `make test` (README).
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := python3.11
export UV_LINK_MODE := copy

UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install fonts web run seed token test lint typecheck bench contracts servers-up servers-down clean

$(UV):
	python3.11 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check 'uv==$(UV_VERSION)'

$(BIN)/python: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen
	@touch $(BIN)/python

install: $(BIN)/python fonts web

## The faces (staff console, member app): `npm ci` from the committed lockfile, then a Vite build
## into web/dist, which the gateway serves at /console/ and /m/. Rebuilt when a source changes.
WEB_SOURCES := $(shell find web/common web/console web/m -type f 2>/dev/null) web/vite.config.js
web: web/dist/.built

web/node_modules/.package-lock.json: web/package-lock.json
	@command -v npm >/dev/null || { echo "note: npm not found; the faces are not built (install Node.js 20)"; exit 0; } \
	  && cd web && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.package-lock.json

web/dist/.built: web/node_modules/.package-lock.json $(WEB_SOURCES)
	@command -v npm >/dev/null || exit 0; cd web && npm run --silent build -- --logLevel warn && touch dist/.built

## The Chinese TrueType fonts PDFs embed (Debian's fonts-wqy-microhei, and fonts-hanazono for the
## rare characters of names outside it, CJK Extension A and beyond), when this machine can install
## them; otherwise PDFs fall back to a non-embedded font / leave such characters out, with a warning
## (README, Settings).
FONT_FILE := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
RARE_FONT_FILES := /usr/share/fonts/truetype/hanazono/HanaMinA.ttf /usr/share/fonts/truetype/hanazono/HanaMinB.ttf
FONT_PACKAGES := fonts-wqy-microhei fonts-hanazono
fonts:
	@{ test -f $(FONT_FILE) || [ -n "$$WARMFLOW_PDF_FONT" ]; } && $(foreach f,$(RARE_FONT_FILES),test -f $(f) &&) true \
	  || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && { apt-get install -y -qq $(FONT_PACKAGES) >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 \
	  && apt-get install -y -qq $(FONT_PACKAGES) >/dev/null 2>&1; }; } \
	  || echo "note: no Chinese TrueType fonts for PDFs (install $(FONT_PACKAGES) or set WARMFLOW_PDF_FONT)"; }

## Start every service in one process behind the gateway on http://127.0.0.1:8000 (SQLite under ./var).
run: install
	$(BIN)/warmflow run

## Seed demo data (three counties, 48 暖流之家 sites, ~2,000 members) into the embedded default.
seed: install
	$(BIN)/warmflow seed --members $(or $(MEMBERS),2000)

## Mint a bearer token for a demo user, e.g. `make token USER=yuhang-admin`.
token: install
	@$(BIN)/warmflow token --demo $(or $(USER_PRESET),$(USER))

## Lint, type-check and run every suite. Real-server suites skip unless KAFKA_BOOTSTRAP_SERVERS and
## MONGODB_URL are set (fail instead with WARMFLOW_REQUIRE_SERVERS=1, as .ci/run does).
## Two passes: TEST_WORKERS pytest-xdist workers (tests grouped as warmflow_shared.testing.parallel
## says), then the tests marked `alone` (server restarts, schemathesis) by themselves, from the
## files that mark them (collecting only those); either pass failing fails the target.
## TEST_WORKERS=0 runs the first pass in this process, one test after another.
TEST_WORKERS ?= 2
ALONE_FILES = $(shell grep -rl --include='test_*.py' 'mark\.alone' shared services tests)
test: install lint
	@$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup -m "not alone"; parallel=$$?; \
	  $(BIN)/pytest -m alone $(ALONE_FILES) && exit $$parallel

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Benchmarks: each prints a ratio against a baseline measured in the same run (needs the servers).
bench: install
	$(BIN)/python -m bench

## Regenerate committed contract schemas and docs/asyncapi.json (refuses breaking changes).
contracts: install
	$(BIN)/python -m warmflow_shared.events.schemas

## Local real servers (Kafka 4 from Maven Central, FerretDB built from the Go proxy).
servers-up:
	@deploy/local/servers.sh up

servers-down:
	@deploy/local/servers.sh down

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache
