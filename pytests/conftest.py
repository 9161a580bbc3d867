"""Shared fixtures: exports generated once per test session, and the builds every module shares
(`builds.py`)."""

from __future__ import annotations

import csv
import os
import re
import subprocess
from pathlib import Path

import pytest

from pipedrive_funnel.generator.export import write_export
from pipedrive_funnel.generator.options import GeneratorOptions

from builds import Build, drop_shared_builds, shared_build, start_shared_builds
from paths import FIXTURES_DIR, HANDMADE_EXPECTED, HANDMADE_EXPORT, REPO_ROOT, SEEDS_DIR

__all__ = ["FIXTURES_DIR", "REPO_ROOT", "SEEDS_DIR"]


def newcomer_environment(**overrides: str) -> dict[str, str]:
    """The environment of a newcomer's shell: no DBT_PG_* or LOCAL_PG_* set, no make of ours
    around (a nested make would inherit our MAKEFLAGS), plus `overrides`."""
    drop = ("DBT_PG_", "LOCAL_PG_", "MAKE", "MFLAGS")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    return {**env, **overrides}


def run_make(directory: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`make ARGS` in `directory` with `env`; output captured, exit status not checked."""
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=directory, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def readme_blocks(language: str) -> list[str]:
    """The README's fenced code blocks of one language, in order."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture(scope="session")
def default_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The export of the default invocation, generated afresh (not the committed copy)."""
    output_dir = tmp_path_factory.mktemp("default_export")
    write_export(GeneratorOptions(output_dir=output_dir))
    return output_dir


@pytest.fixture(scope="session")
def default_rows(default_export: Path) -> dict[str, list[dict[str, str]]]:
    """The default export's rows, per file name."""
    return {path.name: read_rows(path) for path in default_export.glob("*.csv")}


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the first process; its workers inherit the folder
        start_shared_builds()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # the first process, after its workers
        drop_shared_builds()


@pytest.fixture(scope="session")
def handmade_build() -> Build:
    """The hand-made export built once per run, with its hand-worked expected rows as seeds
    whose equality tests compare them with the marts (fixtures/handmade_export/expected/), the
    run's only run of the unit tests, and its docs generated. Read it, never change it: a test
    that changes a database works on `database_copy` of it, a dbt command on a project copy."""
    return shared_build("handmade", HANDMADE_EXPORT, HANDMADE_EXPECTED, unit_tests=True, docs=True)


@pytest.fixture(scope="session")
def sample_build() -> Build:
    """The committed sample built once per run. Read it, never change it (see handmade_build)."""
    return shared_build("sample")


# The slowest test files (measured: pytest --durations), started first, so that with one file per
# worker (make test: pytest-xdist --dist loadfile) no worker is left with a long file at the end.
SLOWEST_FIRST = (
    "test_spark_equality.py",
    "test_superset_dashboard.py",
    "test_reference_comparison.py",
    "test_rebuilds_and_bi_role.py",
    "test_loader.py",
    "test_incremental_refresh.py",
    "test_hostile_failing.py",
    "test_make_build.py",
    "test_benchmark_build.py",
    "test_bi_role_names.py",
    "test_sql_style.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return SLOWEST_FIRST.index(name) if name in SLOWEST_FIRST else len(SLOWEST_FIRST)

    items.sort(key=rank)  # stable: each file's tests keep their order
