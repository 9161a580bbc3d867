# Entry points of the project. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: help venv lint test sample benchmark

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed (found " + sys.version.split()[0] + "); set PYTHON=/path/to/python3.10+")' \
		|| { echo "make: '$(PYTHON)' not found; install Python 3.10+ or set PYTHON=/path/to/python3" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' \
		|| { echo "make: installing the pinned packages into $(VENV) failed; check that PyPI is reachable (or a mirror set in pip.conf), then run make again" >&2; exit 1; }
	@touch $@

venv: $(INSTALLED) ## create .venv and install the pinned packages

lint: $(INSTALLED) ## ruff: lint and format check of the Python code
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint ## the whole test suite (what CI runs)
	$(BIN)/pytest

sample: $(INSTALLED) ## regenerate the committed sample export in seeds/pipedrive
	$(BIN)/pipedrive-generate --output-dir seeds/pipedrive

benchmark: $(INSTALLED) ## time and peak memory of the generator at 100,000 and 1,000,000 deals
	$(BIN)/pipedrive-benchmark --sizes 100000 1000000
