"""Builds of the project the tests share: each export is built once per test run (the pytest-xdist
workers share it), and a test that changes a database works on a copy made with CREATE DATABASE
... TEMPLATE, which takes a fraction of a second where a build takes ten."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from psycopg2 import errors

from pipedrive_funnel.database import Server
from pipedrive_funnel.scratch_db import scratch_database, scratch_name

from dbt_runs import WITHOUT_UNIT_TESTS, run_dbt
from project_copy import copy_project

# The folder of the run's shared builds, made by the first process of a run (pytest_configure)
# and inherited by the workers pytest-xdist starts after it.
SHARED_BUILDS = "PIPEDRIVE_TESTS_SHARED_BUILDS"


@dataclass(frozen=True)
class Build:
    """A project copy built into a database, with what `dbt build` printed and the status of
    each node it ran (unique_id -> status, from its run_results.json)."""

    project: Path
    database: str
    output: str
    statuses: dict[str, str]


def _build(
    project: Path, database: str, unit_tests: bool, docs: bool
) -> tuple[str, dict[str, str]]:
    """`dbt build` of `project` into `database` (and `dbt docs generate` after it with `docs`):
    what the build printed, the status of each node."""
    options = () if unit_tests else WITHOUT_UNIT_TESTS
    result = run_dbt(project, database, "build", *options, write_json=True)
    assert result.returncode == 0, result.stdout[-5000:]
    results = json.loads((project / "target" / "run_results.json").read_text())["results"]
    if docs:
        generated = run_dbt(project, database, "docs", "generate", write_json=True)
        assert generated.returncode == 0, generated.stdout[-5000:]
    return result.stdout, {r["unique_id"]: r["status"] for r in results}


@contextmanager
def built_database(
    workdir: Path, export_dir: Path | None = None, expected_dir: Path | None = None
) -> Iterator[Build]:
    """Build the project (with `export_dir`'s export, or the committed sample) into a fresh
    database, without the unit tests (they check the SQL whatever the export: the shared build
    of the hand-made export runs them); yield the build; drop the database afterwards."""
    project = copy_project(workdir, export_dir, expected_dir)
    with scratch_database() as database:
        yield Build(project, database, *_build(project, database, unit_tests=False, docs=False))


def start_shared_builds() -> None:
    """A new folder for this run's shared builds (in the first process of the run; a pytest run
    started by a test starts its own)."""
    os.environ[SHARED_BUILDS] = tempfile.mkdtemp(prefix="pipedrive-tests-builds-")


def shared_build(
    name: str,
    export_dir: Path | None = None,
    expected_dir: Path | None = None,
    *,
    unit_tests: bool = False,
    docs: bool = False,
) -> Build:
    """The build `name` of the run, made by the first worker to ask for it while the others wait:
    the project (with `export_dir`'s export, `expected_dir`'s expected rows) built into a database
    of its own, with the unit tests or not, with its docs generated or not. Read it, never change
    it; its database is dropped by `drop_shared_builds` at the end of the run."""
    folder = Path(os.environ[SHARED_BUILDS]) / name
    folder.mkdir(exist_ok=True)
    record = folder / "build.json"
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not record.exists():
            project = copy_project(folder / "project", export_dir, expected_dir)
            database = scratch_name()
            Server.from_environment().create_database(database)
            (folder / "database").write_text(database)  # dropped at the end, even if it fails
            output, statuses = _build(project, database, unit_tests, docs)
            build = Build(project, database, output, statuses)
            record.write_text(json.dumps({**asdict(build), "project": str(project)}))
    return Build(**{**json.loads(record.read_text()), "project": folder / "project"})


def drop_shared_builds() -> None:
    """Drop the databases of the run's shared builds and remove their folder (after every worker
    has ended)."""
    root = Path(os.environ[SHARED_BUILDS])
    for database in root.glob("*/database"):
        Server.from_environment().drop_database(database.read_text())
    shutil.rmtree(root, ignore_errors=True)


@contextmanager
def database_copy(database: str) -> Iterator[str]:
    """A new database with the contents of `database`; dropped afterwards. PostgreSQL copies a
    database no session is using: a copy waits (up to a minute) for the other workers' queries
    of a shared build to end."""
    server, name = Server.from_environment(), scratch_name()
    deadline = time.monotonic() + 60
    while True:
        try:
            server.create_database(name, template=database)
            break
        except errors.ObjectInUse:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    try:
        yield name
    finally:
        server.drop_database(name)
