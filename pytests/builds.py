"""Builds of the project the tests share: each export is built once per test session (per
worker), and a test that changes a database works on a copy made with CREATE DATABASE ...
TEMPLATE, which takes a fraction of a second where a build takes ten."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipedrive_funnel.scratch_db import scratch_database

from dbt_runs import WITHOUT_UNIT_TESTS, run_dbt
from project_copy import copy_project


@dataclass(frozen=True)
class Build:
    """A project copy built into a database, with what `dbt build` printed."""

    project: Path
    database: str
    output: str


@contextmanager
def built_database(
    workdir: Path,
    export_dir: Path | None = None,
    expected_dir: Path | None = None,
    *,
    unit_tests: bool = False,
) -> Iterator[Build]:
    """Build the project (with `export_dir`'s export, or the committed sample) into a fresh
    database; yield the build; drop the database afterwards. With `unit_tests`, the whole `dbt
    build` with target/*.json (the hand-made export's build); else without the unit tests, which
    check the SQL whatever the export (dbt_runs.WITHOUT_UNIT_TESTS)."""
    project = copy_project(workdir, export_dir, expected_dir)
    with scratch_database() as database:
        options = () if unit_tests else WITHOUT_UNIT_TESTS
        result = run_dbt(project, database, "build", *options, write_json=unit_tests)
        assert result.returncode == 0, result.stdout[-5000:]
        yield Build(project, database, result.stdout)


@contextmanager
def database_copy(database: str) -> Iterator[str]:
    """A new database with the contents of `database` (which no session may be using); dropped
    afterwards."""
    with scratch_database(template=database) as name:
        yield name
