"""Running dbt and the streaming loader from the tests.

dbt runs in the test's own process (dbtRunner, as dbt-core's own tests run it): a dbt command in
a new process spends some 2.5 s importing dbt before it starts, and the suite runs about seventy.
The result looks like a finished `dbt` process: its exit status (0, 1 for a failed node, 2 for an
error dbt could not handle) and what it printed.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from dbt.cli.main import dbtRunner

DBT = str(Path(sys.executable).with_name("dbt"))
LOADER_VARS = ("--vars", "{raw_source: loader}")
# The unit tests check the SQL on fixed inputs, whatever the export: they run once per test session,
# in the build of the hand-made export (conftest.handmade_build), and `make build` runs them.
WITHOUT_UNIT_TESTS = ("--exclude-resource-type", "unit_test")
# a build of the seeds and models alone, for the tests of what happens around them (swaps, claims)
MODELS_ONLY = (*WITHOUT_UNIT_TESTS, "--exclude-resource-type", "test")
# dbt build's arguments for an export of the loader, as `make build EXPORT=DIR` runs it
EXPORT_BUILD = (*LOADER_VARS, *WITHOUT_UNIT_TESTS)


def dbt_environment(database: str | None, **variables: str) -> dict[str, str]:
    env = {**os.environ, "DBT_PROFILES_DIR": ".", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    if database is not None:
        env["DBT_PG_DATABASE"] = database
    return {**env, **variables}


@contextlib.contextmanager
def _as_if_run_in(directory: Path, environment: dict[str, str]) -> Iterator[None]:
    """The process's working directory and environment, for the time of a dbt command."""
    saved, cwd = dict(os.environ), Path.cwd()
    os.environ.clear()
    os.environ.update(environment)
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)


def run_dbt(
    project_dir: Path, database: str, *args: str, write_json: bool = False, **variables: str
) -> subprocess.CompletedProcess[str]:
    """Run a dbt command in `project_dir` against `database` (with the environment `variables`),
    as `dbt ARGS` there would; output captured, exit status not checked. target/*.json only with
    `write_json` (writing manifest.json takes about a second)."""
    output = io.StringIO()
    location = ("--project-dir", str(project_dir), "--profiles-dir", str(project_dir))
    with (
        _as_if_run_in(
            project_dir,
            dbt_environment(database, DBT_WRITE_JSON=str(write_json).lower(), **variables),
        ),
        contextlib.redirect_stdout(output),
        contextlib.redirect_stderr(output),
    ):
        result = dbtRunner().invoke([*args, *location])
    status = 0 if result.success else 1 if result.exception is None else 2
    return subprocess.CompletedProcess([DBT, *args], status, output.getvalue(), "")


def run_loader(
    project: Path, database: str, export_dir: Path, *options: str, pg_options: str = ""
) -> subprocess.CompletedProcess[str]:
    """`pipedrive-load --export export_dir [options]` into `database` (with the server settings
    `pg_options`, as in PGOPTIONS); output captured, not checked."""
    command = [str(Path(sys.executable).with_name("pipedrive-load")), "--export", str(export_dir)]
    environment = {**dbt_environment(database), "PGOPTIONS": pg_options}
    return subprocess.run(
        [*command, *options, "--project-dir", str(project), "--quiet"],
        env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip
