# Entry points of the project. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DBT_PACKAGES := dbt_packages/dbt_utils/dbt_project.yml

# dbt reads profiles.yml from the project root; connection settings come from DBT_PG_* variables.
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: help venv deps build lint test sample benchmark clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed (found " + sys.version.split()[0] + "); set PYTHON=/path/to/python3.10+")' \
		|| { echo "make: '$(PYTHON)' is missing or too old; install Python 3.10+ or set PYTHON=/path/to/python3" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' \
		|| { echo "make: installing the pinned packages into $(VENV) failed; check that PyPI is reachable (or a mirror set in pip.conf), then run make again" >&2; exit 1; }
	@touch $@

$(DBT_PACKAGES): $(INSTALLED) packages.yml package-lock.yml
	@$(BIN)/dbt deps --quiet \
		|| { echo "make: 'dbt deps' failed; dbt-utils comes from git (https://github.com/dbt-labs/dbt-utils.git): without network, point git at a mirror with 'git config --global url.<mirror>.insteadOf https://github.com/dbt-labs/dbt-utils.git'" >&2; exit 1; }
	@touch $@

venv: $(INSTALLED) ## create .venv and install the pinned packages

deps: $(DBT_PACKAGES) ## install the dbt packages (dbt-utils)

build: $(DBT_PACKAGES) ## load the seeds and dbt build into the database of profiles.yml
	$(BIN)/dbt build
	@echo "The reports are the tables public_marts.rep_sales_funnel_monthly and public_marts.rep_sales_rep_performance_monthly"

lint: $(DBT_PACKAGES) ## ruff (Python) and sqlfluff (SQL)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models tests analyses

test: lint ## the whole suite: lint, dbt build into a throwaway database, pytest (what CI runs)
	$(BIN)/pipedrive-scratch-db -- $(BIN)/dbt build
	$(BIN)/pytest

sample: $(INSTALLED) ## regenerate the committed sample export in seeds/pipedrive
	$(BIN)/pipedrive-generate --output-dir seeds/pipedrive

benchmark: $(INSTALLED) ## time and peak memory of the generator at 100,000 and 1,000,000 deals
	$(BIN)/pipedrive-benchmark --sizes 100000 1000000

clean: ## remove what the project created: dbt targets, logs and packages
	rm -rf target logs dbt_packages
