# The two commands a newcomer needs: `make run` and `make test`.
# Everything is installed into .venv from scratch; only Python 3.11+ and make
# are assumed: the pinned dev environment (requirements-dev.txt), then the package
# itself with the extras make run and make test need ([dev] brings [local] and [media]).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=
# No SAM CLI telemetry notice (or upload) from any sam call: lint, build, validate, the tests.
export SAM_CLI_TELEMETRY := 0

.PHONY: run test lint format bench build deploy validate clean mutate mutate-sample screenshots

$(STAMP): requirements-dev.txt constraints.txt pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		(echo "Python 3.11+ is needed (found $$($(PYTHON) --version))"; exit 1)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/vstarcam-push local $(ARGS)

# The suite runs in parallel workers (pytest-xdist), one per core unless TEST_WORKERS says
# otherwise (TEST_WORKERS=0: one process, as plain `pytest` runs). --dist loadfile hands each
# test module whole to whichever worker is free, so a module's local stack or browser is
# started once; tests/conftest.py puts the long modules (servers, builds) first, and
# --no-loadscope-reorder keeps that order. The 25 slowest tests are listed at the end.
TEST_WORKERS ?= auto
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest \
		-n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25 $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sam validate --lint

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m vstarcam_tools.dev.bench $(ARGS)

# Every function and layer is built by a Makefile (layers/*/Makefile, functions/Makefile):
# the layers' pip installs the Lambda runtime's wheels (python3.13, aarch64), so neither a
# python3.13 interpreter nor Docker is needed. Their pip is this venv's.
build: $(STAMP)
	PIP="$(abspath $(BIN))/python -m pip" $(BIN)/sam build

# sam deploy with samconfig.toml's defaults; asks the region, the console's first user and
# where notifications go the first time (kept in deploy-answers.toml). ARGS, e.g.
# ARGS="--ask" or ARGS="--parameter-overrides RetentionDays=90".
deploy: build
	$(BIN)/python -m vstarcam_tools.deploy $(ARGS)

# Every picture of the console in docs/, retaken only when asked (about a minute): one
# realistic scene on the local stack (tests/browser/test_screenshots.py: five cameras on
# two sites, one offline, one snoozed, alerts and detections, unreviewed alarms, a notified
# phone) photographed at 390x844 and 1280x800, then the two notifications as a phone shows
# them (vstarcam_tools.dev.screenshot). `make test` takes the same pictures into a scratch
# folder, so a test run leaves the checkout clean.
screenshots: $(STAMP)
	VSTARCAM_SCREENSHOTS_DIR=$(abspath docs) $(BIN)/python -m pytest tests/browser/test_screenshots.py $(ARGS)
	$(BIN)/python -m vstarcam_tools.dev.screenshot --webpush docs/console-phone-notification.png
	$(BIN)/python -m vstarcam_tools.dev.screenshot docs/images/ntfy-notification.png

validate: $(STAMP)
	$(BIN)/sam validate --lint

# Mutation testing of the shared layer with mutmut (not part of `make test`: per mutant it
# runs the unit, integration and console-API tests that reach the mutated function).
# mutmut expects its source under src/, so it runs in .mutate/, a copy of the layer and
# the tests; the handlers and tools import the mutated layer from there. It is made anew each run: results cached from an older
# copy of the tests can name tests that no longer exist. ARGS narrows the run, e.g.
# ARGS="--max-children 2 'vstarcam_push.ingest.multipart*'".
# The score, and the surviving mutants and how each was judged, are in docs/testing.md.
MUTATE_DIR := .mutate
define MUTATE_COPY
	rm -rf $(MUTATE_DIR)
	mkdir -p $(MUTATE_DIR)/src
	cp -r layers/shared/vstarcam_push $(MUTATE_DIR)/src/
	cp -r tests pyproject.toml $(MUTATE_DIR)/
	cp tools/vstarcam_tools/dev/mutmut_conftest.py $(MUTATE_DIR)/conftest.py
endef
mutate: $(STAMP)
	$(MUTATE_COPY)
	cd $(MUTATE_DIR) && ../$(BIN)/mutmut run $(ARGS)
	cd $(MUTATE_DIR) && ../$(BIN)/mutmut results

# The layer-wide score from a seeded uniform sample of the mutants, with its 95 % interval
# (vstarcam_tools.dev.mutate_sample; 120 mutants, seed 9, about 20 minutes here). ARGS, e.g.
# ARGS="--size 340 --seed 9"; `cd .mutate && ../.venv/bin/python -m
# vstarcam_tools.dev.mutate_sample --report-only` prints the table again after re-running a mutant.
mutate-sample: $(STAMP)
	$(MUTATE_COPY)
	cd $(MUTATE_DIR) && ../$(BIN)/python -m vstarcam_tools.dev.mutate_sample $(ARGS)

clean:
	rm -rf $(VENV) .aws-sam .pytest_cache .ruff_cache .hypothesis .mutate
